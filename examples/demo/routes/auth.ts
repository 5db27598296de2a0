// POST /api/v2/auth/login: username + password for a 15-minute RS256 token.
// Correct except that nothing limits the attempts (flaw login-no-rate-limit).
import { json, HttpError, objectBody, str } from '../http.ts';
import { TOKEN_TTL_SECONDS, scopesFor } from '../issuer.ts';
import { hashPassword, verifyPassword } from '../passwords.ts';
import type { Role, Route } from '../types.ts';

/** Compared against when the user does not exist, so both failures take as long. */
const DUMMY_HASH = hashPassword('not-a-real-password');

export const authRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/auth/login',
    handler: async (ctx) => {
      const body = objectBody(await ctx.body());
      const username = str(body, 'username', 64, true);
      const password = str(body, 'password', 128, true);
      const row = ctx.app.db.get('SELECT id, username, role, password_hash FROM users WHERE username = ?', username);
      const ok = await verifyPassword(password, row ? String(row.password_hash) : DUMMY_HASH);
      if (!row || !ok) throw new HttpError(401, 'invalid_credentials', 'Invalid username or password.');
      const user = { id: Number(row.id), username: String(row.username), role: row.role as Role };
      ctx.app.db.run('UPDATE users SET last_login_ip = ? WHERE id = ?', ctx.req.socket.remoteAddress ?? null, user.id);
      return json(200, {
        access_token: await ctx.app.issuer.sign(user),
        token_type: 'Bearer',
        expires_in: TOKEN_TTL_SECONDS,
        scope: scopesFor(user.role).join(' '),
      });
    },
  },
];
