// POST /api/v2/me/avatar: the server fetches the image URL the caller sends, any host, any port, and
// answers with a preview of what it got (flaw ssrf-avatar). It reads at most 64 KiB and times out.
import { describeFetchError, fetchLimited } from '../fetch-url.ts';
import { HttpError, json, objectBody, onlyKnown, str } from '../http.ts';
import type { Route } from '../types.ts';

export const AVATAR_READ_LIMIT = 64 * 1024;
const PREVIEW_CHARS = 1024;

export const avatarRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v2/me/avatar',
    handler: async (ctx) => {
      const { userId } = await ctx.principal();
      const body = objectBody(await ctx.body());
      onlyKnown(body, ['url']);
      const raw = str(body, 'url', 2048, true);
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new HttpError(400, 'invalid_url', '"url" must be an absolute URL.');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpError(400, 'invalid_url', '"url" must be http or https.');
      let fetched: Awaited<ReturnType<typeof fetchLimited>>;
      try {
        fetched = await fetchLimited(url.href, ctx.app.fetchTimeoutMs, AVATAR_READ_LIMIT);
      } catch (error) {
        throw new HttpError(502, 'fetch_failed', `Could not fetch ${url.href}: ${describeFetchError(error)}`);
      }
      ctx.app.db.run('UPDATE users SET avatar_url = ? WHERE id = ?', url.href, userId);
      return json(200, {
        avatarUrl: url.href,
        contentType: fetched.contentType,
        bytes: fetched.body.length,
        status: fetched.status,
        truncated: fetched.truncated,
        preview: fetched.body.subarray(0, PREVIEW_CHARS).toString('utf8'),
      });
    },
  },
];
