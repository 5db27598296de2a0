// The demo's data, the same at every start: three documented accounts, a product catalogue (a few
// products hidden), and orders and notes owned by the users. Ids are fixed so docs and tests can name them.
import type { Db } from './db.ts';
import { hashPassword } from './passwords.ts';
import type { DemoUser } from './types.ts';

interface SeedUser extends DemoUser {
  readonly displayName: string;
  readonly email: string;
  readonly balance: number;
  readonly internal: { mfaSecret: string; internalNotes: string; stripeCustomerId: string; lastLoginIp: string };
}

const SEED_USERS: readonly SeedUser[] = [
  {
    id: 1, username: 'alice', password: 'alice-demo-pass', role: 'user', apiKey: 'pcl_demo_alice_4f1c9e2a7b6d3805',
    displayName: 'Alice Liddell', email: 'alice@example.com', balance: 120.5,
    internal: { mfaSecret: 'JBSWY3DPEHPK3PXP', internalNotes: 'Chargeback in 2024; manual review before refunds', stripeCustomerId: 'cus_demo_A1ice', lastLoginIp: '203.0.113.10' },
  },
  {
    id: 2, username: 'bob', password: 'bob-demo-pass', role: 'user', apiKey: 'pcl_demo_bob_9d2e61c04a7f58b3',
    displayName: 'Bob Stone', email: 'bob@example.com', balance: 42,
    internal: { mfaSecret: 'KRSXG5CTMVRXEZLU', internalNotes: 'Asked to close the account twice', stripeCustomerId: 'cus_demo_B0b', lastLoginIp: '198.51.100.24' },
  },
  {
    id: 3, username: 'carol', password: 'carol-demo-pass', role: 'admin', apiKey: 'pcl_demo_carol_c07b3e5f18a9d246',
    displayName: 'Carol Admin', email: 'carol@example.com', balance: 0,
    internal: { mfaSecret: 'ONSWG4TFORXXK3DP', internalNotes: 'Store operator; break-glass account', stripeCustomerId: 'cus_demo_Car0l', lastLoginIp: '192.0.2.7' },
  },
];

/** The documented accounts (what DemoApi.users returns). */
export const DEMO_USERS: readonly DemoUser[] = SEED_USERS.map(({ id, username, password, role, apiKey }) => ({ id, username, password, role, apiKey }));

export const VISIBLE_PRODUCTS = 240;
export const HIDDEN_PRODUCTS = ['Staff discount voucher (100%)', 'Unreleased: Portcullis Pro licence', 'Test product, do not ship', 'Wholesale price list', 'Gift card generator'];

const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Heavy-duty', 'Portable', 'Smart', 'Vintage'];
const NOUNS = ['Lamp', 'Backpack', 'Kettle', 'Keyboard', 'Notebook', 'Headphones', 'Mug', 'Umbrella', 'Chair', 'Water bottle'];
const CATEGORIES = ['home', 'office', 'outdoor', 'audio', 'kitchen'];

const ORDERS = [
  { id: 1001, owner: 1, product: 3, quantity: 1, address: '12 Rabbit Hole Lane, Oxford' },
  { id: 1002, owner: 1, product: 17, quantity: 2, address: '12 Rabbit Hole Lane, Oxford' },
  { id: 1003, owner: 2, product: 5, quantity: 1, address: '4 Quarry Road, Leeds' },
  { id: 1004, owner: 2, product: 42, quantity: 3, address: '4 Quarry Road, Leeds' },
  { id: 1005, owner: 3, product: 8, quantity: 1, address: '1 Admin Square, London' },
];

const NOTES = [
  { id: 1, owner: 1, title: 'Gift ideas', body: 'Teapot for the Hatter, a watch for the White Rabbit.' },
  { id: 2, owner: 1, title: 'Door code', body: 'Front door: 4711. Do not share.' },
  { id: 3, owner: 2, title: 'Shopping list', body: 'Gravel, cement, a new trowel.' },
  { id: 4, owner: 2, title: 'Password hint', body: 'The name of my first dog, twice.' },
  { id: 5, owner: 3, title: 'Ops', body: 'Rotate the payment provider key on Friday.' },
];

const CREATED = '2025-01-15T09:30:00.000Z';

/** scrypt is slow on purpose: hash once per process, reuse the hashes for every reseed. */
export function hashSeedPasswords(): Map<number, string> {
  return new Map(SEED_USERS.map((u) => [u.id, hashPassword(u.password)]));
}

export function seed(db: Db, hashes: ReadonlyMap<number, string>): void {
  db.raw.exec('BEGIN');
  try {
    for (const u of SEED_USERS) {
      db.run(
        `INSERT INTO users (id, username, display_name, email, password_hash, role, balance, api_key, mfa_secret,
           internal_notes, stripe_customer_id, last_login_ip, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        u.id, u.username, u.displayName, u.email, hashes.get(u.id) ?? '', u.role, u.balance, u.apiKey,
        u.internal.mfaSecret, u.internal.internalNotes, u.internal.stripeCustomerId, u.internal.lastLoginIp, CREATED,
      );
    }
    const insertProduct = 'INSERT INTO products (id, name, description, category, price, stock, hidden) VALUES (?, ?, ?, ?, ?, ?, ?)';
    for (let id = 1; id <= VISIBLE_PRODUCTS; id++) {
      const name = `${ADJECTIVES[id % ADJECTIVES.length]} ${NOUNS[Math.floor(id / ADJECTIVES.length) % NOUNS.length]} ${id}`;
      const category = CATEGORIES[id % CATEGORIES.length]!;
      db.run(insertProduct, id, name, `Popular in ${category}.`, category, 5 + ((id * 37) % 200) + 0.99, (id * 13) % 50, 0);
    }
    for (const [i, name] of HIDDEN_PRODUCTS.entries()) {
      db.run(insertProduct, VISIBLE_PRODUCTS + 1 + i, name, 'Internal only.', 'internal', 0, 0, 1);
    }
    for (const o of ORDERS) {
      const price = Number(db.get('SELECT price FROM products WHERE id = ?', o.product)?.price ?? 0);
      db.run(
        'INSERT INTO orders (id, owner_id, product_id, quantity, total, status, shipping_address, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        o.id, o.owner, o.product, o.quantity, Math.round(price * o.quantity * 100) / 100, 'paid', o.address, CREATED,
      );
    }
    for (const n of NOTES) {
      db.run('INSERT INTO notes (id, owner_id, title, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', n.id, n.owner, n.title, n.body, CREATED, CREATED);
    }
    db.raw.exec('COMMIT');
  } catch (error) {
    db.raw.exec('ROLLBACK');
    throw error;
  }
}
