// Notes, nested under their owner: /users/{userId}/notes. The API checks that a note belongs to the
// user in the path, but never that this user is the caller (flaws bola-note-read, bola-note-write).
import { NOTE, now } from '../db.ts';
import { HttpError, idParam, json, objectBody, onlyKnown, str } from '../http.ts';
import type { Ctx, Route } from '../types.ts';

/** The user id of the path, once the caller is authenticated (any caller will do: the flaw). */
async function pathUser(ctx: Ctx): Promise<number> {
  await ctx.principal();
  const userId = idParam(ctx, 'userId');
  if (!ctx.app.db.get('SELECT id FROM users WHERE id = ?', userId)) throw new HttpError(404, 'not_found', 'No such user.');
  return userId;
}

function noteOf(ctx: Ctx, userId: number, noteId: number) {
  const note = ctx.app.db.get(`SELECT ${NOTE} FROM notes WHERE id = ? AND owner_id = ?`, noteId, userId);
  if (!note) throw new HttpError(404, 'not_found', 'No such note.');
  return note;
}

export const noteRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/users/{userId}/notes',
    handler: async (ctx) => {
      const userId = await pathUser(ctx);
      const items = ctx.app.db.all(`SELECT ${NOTE} FROM notes WHERE owner_id = ? ORDER BY id LIMIT 100`, userId);
      return json(200, { items });
    },
  },
  {
    method: 'POST',
    path: '/api/v2/users/{userId}/notes',
    handler: async (ctx) => {
      const userId = await pathUser(ctx);
      const body = objectBody(await ctx.body());
      onlyKnown(body, ['title', 'body']);
      const title = str(body, 'title', 120, true);
      const text = str(body, 'body', 4000) ?? '';
      const at = now();
      const { lastInsertRowid } = ctx.app.db.run(
        'INSERT INTO notes (owner_id, title, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', userId, title, text, at, at,
      );
      return json(201, noteOf(ctx, userId, lastInsertRowid), { Location: `/api/v2/users/${userId}/notes/${lastInsertRowid}` });
    },
  },
  {
    method: 'GET',
    path: '/api/v2/users/{userId}/notes/{noteId}',
    handler: async (ctx) => json(200, noteOf(ctx, await pathUser(ctx), idParam(ctx, 'noteId'))),
  },
  {
    method: 'PATCH',
    path: '/api/v2/users/{userId}/notes/{noteId}',
    handler: async (ctx) => {
      const userId = await pathUser(ctx);
      const note = noteOf(ctx, userId, idParam(ctx, 'noteId'));
      const body = objectBody(await ctx.body());
      onlyKnown(body, ['title', 'body']);
      const title = str(body, 'title', 120) ?? String(note.title);
      const text = str(body, 'body', 4000) ?? String(note.body);
      ctx.app.db.run('UPDATE notes SET title = ?, body = ?, updated_at = ? WHERE id = ?', title, text, now(), Number(note.id));
      return json(200, noteOf(ctx, userId, Number(note.id)));
    },
  },
];
