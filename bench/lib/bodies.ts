// The upstream's precomputed JSON answers, shared by bench/upstream.ts and the in-process micro-benchmarks.

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export const small = json({ id: 42, name: 'portcullis', kind: 'bench', ok: true, tags: ['small', 'json'], score: 0.75, v: 1 });
// Owned by the subject of bench/make-jwt.ts's token, except one item (the ownership scenario filters it).
const items = Array.from({ length: 18 }, (_, i) => ({ id: i + 1, name: `item-${String(i + 1).padStart(3, '0')}`, price: 9.99 + i, inStock: i % 3 !== 0, sku: `SKU-${1000 + i}`, ownerId: i === 17 ? 'someone-else' : 'bench-user' }));
const unpadded = json({ items, total: items.length, page: 1 });
export const twoKb = json({ items, total: items.length, page: 1, pad: 'x'.repeat(Math.max(0, 2048 - unpadded.length - 9)) });
export const notFound = json({ error: 'not found' });
