// What every check shares: the plan, the client, the identities, the objects the scan created and the
// answers it already saw, and one way to record a finding with its evidence.
import type { Canary } from './canary.ts';
import { curlFor } from './curl.ts';
import { parameterExample } from './examples.ts';
import type { HttpResponse, ScanClient, SendOptions } from './http.ts';
import type { Identity } from './identity.ts';
import type { ScanOperation } from './operations.ts';
import { type Plan } from './plan.ts';
import type { Redactor } from './redact.ts';
import type { CheckInfo, Confidence, Exchange, Finding } from './types.ts';

export interface ScanSettings {
  readonly allowDestructive: boolean;
  /** Check ids not to run. */
  readonly skip: ReadonlySet<string>;
  /** Requests of a burst (rate-limit checks) and failed log-ins tried. */
  readonly burst: number;
}

/** An answer seen while exploring: who asked, which path, what came back. */
export interface Seen {
  readonly op: ScanOperation;
  readonly who: Identity | undefined;
  readonly path: string;
  readonly res: HttpResponse;
}

export interface ResolvedPath {
  readonly path: string;
  /** Every id in the path is the caller's: an object it created, its own account, or an item of a list under it (GET /me/orders). */
  readonly owned: boolean;
  /** The object at the end of the path was created by this scan (it may be changed or deleted). */
  readonly created: boolean;
  /** The path ends with the caller's own id (/users/{me}): its profile, not a private object. */
  readonly endsWithSelf: boolean;
}

export class ScanContext {
  readonly plan: Plan;
  readonly client: ScanClient;
  readonly redactor: Redactor;
  readonly identities: readonly Identity[];
  readonly users: readonly Identity[];
  readonly admin: Identity | undefined;
  readonly settings: ScanSettings;
  readonly canary: Canary | undefined;
  readonly findings: Finding[] = [];
  readonly seen: Seen[] = [];
  /** Per identity: item path template → concrete paths of objects this scan created. */
  readonly created = new Map<Identity, Map<string, string[]>>();
  /** Per identity: list operation → ids in its items. */
  readonly listed = new Map<Identity, Map<ScanOperation, string[]>>();
  readonly tested = new Map<string, Set<string>>();
  /** Per check: why an operation it meant to test could not be (reported when it tested nothing at all). */
  readonly untested = new Map<string, string[]>();
  readonly #anonymous = new Map<string, Promise<HttpResponse>>();
  readonly #runId = Math.random().toString(36).slice(2, 8);
  #markers = 0;

  constructor(init: { plan: Plan; client: ScanClient; redactor: Redactor; identities: readonly Identity[]; settings: ScanSettings; canary?: Canary }) {
    this.plan = init.plan;
    this.client = init.client;
    this.redactor = init.redactor;
    this.identities = init.identities;
    this.users = init.identities.filter((i) => i.role === 'user');
    this.admin = init.identities.find((i) => i.role === 'admin');
    this.settings = init.settings;
    this.canary = init.canary;
  }

  /** False for a check skipped with --skip (modules with several checks ask before each one). */
  enabled(check: string): boolean {
    return !this.settings.skip.has(check);
  }

  /** A unique string the scan writes into free-text fields and recognizes later. */
  marker(): string {
    return `pcs-${this.#runId}-${++this.#markers}`;
  }

  get runId(): string {
    return this.#runId;
  }

  /** Sends as `who` (undefined: anonymous), with its credentials; a 401 refreshes a token once and retries. */
  async send(who: Identity | undefined, method: string, path: string, options: SendOptions = {}, note?: string): Promise<HttpResponse> {
    const build = async (): Promise<[string, SendOptions]> => {
      if (!who) return [path, options];
      const q = who.query();
      const withQuery = q ? `${path}${path.includes('?') ? '&' : '?'}${q}` : path;
      return [withQuery, { ...options, headers: { ...(await who.headers()), ...options.headers } }];
    };
    let [p, o] = await build();
    let res = await this.client.send(method, p, o, note);
    if (res.status === 401 && who?.refreshable) {
      await who.refresh();
      [p, o] = await build();
      res = await this.client.send(method, p, o, note);
    }
    return res;
  }

  /** What an anonymous caller gets from GET `url`: asked once per scan (the baseline several checks compare with). */
  asAnonymous(url: string): Promise<HttpResponse> {
    let answer = this.#anonymous.get(url);
    if (!answer) {
      answer = this.send(undefined, 'GET', url, {}, 'no credentials');
      this.#anonymous.set(url, answer);
      answer.catch(() => this.#anonymous.delete(url));
    }
    return answer;
  }

  /** Records that a check tested an operation (JUnit lists one case per check and operation). */
  test(check: string, label: string): void {
    let set = this.tested.get(check);
    if (!set) this.tested.set(check, (set = new Set()));
    set.add(label);
  }

  /** Records why a check could not test an operation ("alice cannot read its own object: 404"). */
  cannotTest(check: string, why: string): void {
    const list = this.untested.get(check) ?? [];
    const text = this.redactor.text(why);
    if (!list.includes(text)) this.untested.set(check, [...list, text]);
  }

  report(info: CheckInfo, operation: string, message: string, evidence: readonly Exchange[], confidence: Confidence = 'confirmed', severity = info.severity): void {
    const duplicate = this.findings.some((f) => f.check === info.id && f.operation === operation);
    if (duplicate) return;
    this.findings.push({ check: info.id, title: info.title, category: info.category, severity, confidence, cwe: info.cwe, operation, message: this.redactor.text(message), evidence, curl: curlFor(evidence[0]) });
  }

  remember(who: Identity, itemTemplate: string, concrete: string): void {
    let byTemplate = this.created.get(who);
    if (!byTemplate) this.created.set(who, (byTemplate = new Map()));
    byTemplate.set(itemTemplate, [...(byTemplate.get(itemTemplate) ?? []), concrete]);
  }

  /**
   * A concrete path for `op` as `who`: objects `who` created first, then its own id, then ids from its
   * lists, then the document's examples. Undefined when a parameter has no value at all.
   */
  resolve(op: ScanOperation, who: Identity | undefined): ResolvedPath | undefined {
    const created = who ? this.created.get(who)?.get(op.path)?.[0] : undefined;
    if (created) return { path: `${this.plan.spec.basePath}${created}`, owned: true, created: true, endsWithSelf: false };
    let owned = op.pathParams.length > 0;
    let lastKind = '';
    let path = op.path;
    for (const param of op.pathParams) {
      let value: string | undefined;
      for (const source of this.plan.sources.get(op)?.get(param) ?? []) {
        if (source.kind === 'self' && who?.userId) value = who.userId;
        else if (source.kind === 'listed' && who) value = this.listed.get(who)?.get(source.producer)?.[0];
        else if (source.kind === 'created' && who) {
          const prefix = this.created.get(who)?.get(`${source.producer.path}/{${param}}`)?.[0];
          value = prefix?.split('/').at(-1);
        } else if (source.kind === 'example') {
          const p = op.parameters.find((x) => x?.in === 'path' && x?.name === param);
          const v = p ? parameterExample(p) : undefined;
          value = v === undefined ? undefined : String(v);
        }
        if (value !== undefined) {
          lastKind = source.kind;
          if (source.kind === 'example' || (source.kind === 'listed' && !this.#isOwnList(source.producer))) owned = false;
          break;
        }
      }
      if (value === undefined) return undefined;
      path = path.replace(`{${param}}`, encodeURIComponent(value));
    }
    const endsWithSelf = lastKind === 'self' && op.path.endsWith('}');
    return { path: `${this.plan.spec.basePath}${path}`, owned, created: false, endsWithSelf };
  }

  /** A list under the caller's own account (GET /me/orders): its items are the caller's. */
  #isOwnList(op: ScanOperation): boolean {
    const self = this.plan.self;
    return self !== undefined && op.path.startsWith(`${self.path}/`);
  }

  /** The query string of the required query parameters (and the paging ones) with example values. */
  query(op: ScanOperation, override: Record<string, string> = {}): string {
    const params = new URLSearchParams();
    for (const p of op.parameters) {
      if (p?.in !== 'query') continue;
      const overridden = Object.hasOwn(override, p.name);
      if (!p.required && !overridden) continue;
      const v = overridden ? override[p.name] : parameterExample(p);
      if (v !== undefined) params.set(p.name, String(v));
    }
    for (const [k, v] of Object.entries(override)) params.set(k, v);
    const s = params.toString();
    return s ? `?${s}` : '';
  }

  /** The first answer seen for an operation (optionally: from this identity, with a 2xx). */
  seenFor(op: ScanOperation, who?: Identity, ok = true): Seen | undefined {
    return this.seen.find((s) => s.op === op && (who === undefined || s.who === who) && (!ok || (s.res.status >= 200 && s.res.status < 300)));
  }
}

export function isSuccess(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300;
}
