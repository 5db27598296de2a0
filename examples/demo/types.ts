// Shared types of the demo API: its public surface (DemoApi, DemoUser) and the small contract between
// the server, the router and the route files (Ctx, Reply, Route).
import type { IncomingMessage } from 'node:http';
import type { Db } from './db.ts';
import type { Issuer } from './issuer.ts';

export type Role = 'user' | 'admin';

/** A seeded account with its documented credentials (the demo's users are public on purpose). */
export interface DemoUser {
  readonly id: number;
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  readonly apiKey: string;
}

export interface DemoApiOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Time limit of the server-side URL fetch (POST /api/v2/me/avatar), default 3000 ms. */
  fetchTimeoutMs?: number;
}

export interface DemoApi {
  /** Base URL of the server, e.g. http://127.0.0.1:41234 (the API lives under /api/v2). */
  readonly url: string;
  readonly port: number;
  readonly users: DemoUser[];
  /** `iss` of the tokens the local issuer signs (= url). */
  readonly issuer: string;
  /** `aud` of the tokens the local issuer signs. */
  readonly audience: string;
  /** Throws the data away and seeds it again (ids and credentials stay the same; signing keys too). */
  reset(): void;
  close(): Promise<void>;
}

/** The authenticated caller. */
export interface Principal {
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  readonly via: 'jwt' | 'apiKey';
  readonly scopes: readonly string[];
}

/** What every handler can reach: the database, the token issuer and the settings. */
export interface App {
  readonly db: Db;
  readonly issuer: Issuer;
  readonly users: readonly DemoUser[];
  readonly fetchTimeoutMs: number;
}

export interface Ctx {
  readonly app: App;
  readonly req: IncomingMessage;
  readonly method: string;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** The JSON body. Malformed JSON throws the parser's SyntaxError (answered by the verbose 500). */
  body(): Promise<unknown>;
  /** The authenticated caller, or throws a 401 HttpError. */
  principal(): Promise<Principal>;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Route {
  readonly method: string;
  /** Full path template with {params}, e.g. /api/v2/orders/{orderId}. */
  readonly path: string;
  readonly handler: Handler;
}
