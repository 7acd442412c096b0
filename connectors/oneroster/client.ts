import { ConnectorError } from '../errors';
import type { HttpOptions } from '../http';
import type { OneRosterRestConfig } from './config';
import { COLLECTIONS, type Collection } from './wire';

interface Token {
  value: string;
  expiresAt: number;
}

export interface PageQuery {
  limit: number;
  offset: number;
  /** OneRoster filter expression, e.g. dateLastModified>='2026-01-01T00:00:00.000Z'. */
  filter?: string;
  sort?: string;
  orderBy?: 'asc' | 'desc';
}

export interface OneRosterPage<T> {
  items: T[];
  /** X-Total-Count: records matching the query across all pages, when the server sends it. */
  total: number | undefined;
  /** The server's clock when it answered (Date header), for a safe incremental cursor. */
  serverDate: number | undefined;
}

/** Waits, or rejects when the job is aborted; the listener goes either way (a long sync sleeps often). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => (clearTimeout(t), reject(signal!.reason));
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** RFC 6749 §5.2 errors that mean the client itself is wrong: fix the configuration, do not retry. */
const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_scope', 'unsupported_grant_type', 'invalid_grant']);

/**
 * REST client for a OneRoster 1.2 provider: OAuth 2.0 client credentials (RFC 6749 §4.4, client
 * authenticated with HTTP Basic), collections paged with limit/offset and the X-Total-Count header.
 * Same failure semantics as connectors/http.ts (which does not expose response headers):
 * 401/403/404 config errors, 408/429/5xx/timeouts retried with backoff and full jitter.
 */
export class OneRosterClient {
  private token?: Token;
  private nextSlot = 0;
  private readonly http: HttpOptions;

  constructor(private readonly config: OneRosterRestConfig) {
    this.http = config.http;
  }

  async page<T>(collection: Collection, query: PageQuery, signal?: AbortSignal): Promise<OneRosterPage<T>> {
    const { service, path, key } = COLLECTIONS[collection];
    const base = service === 'rostering' ? this.config.rosteringPath : this.config.gradebookPath;
    const url = new URL(`${base.replace(/\/$/, '')}/${path}`, this.config.baseUrl);
    url.searchParams.set('limit', String(query.limit));
    url.searchParams.set('offset', String(query.offset));
    if (query.filter) url.searchParams.set('filter', query.filter);
    if (query.sort) url.searchParams.set('sort', query.sort);
    if (query.orderBy) url.searchParams.set('orderBy', query.orderBy);
    let res: { body: unknown; headers: Headers };
    try {
      res = await this.request(url.toString(), { headers: await this.authHeaders(signal), signal });
    } catch (err) {
      // An expired or revoked token: fetch a new one once, then let a second 401 stand.
      if (!(err instanceof ConnectorError && err.status === 401 && this.token)) throw err;
      this.token = undefined;
      res = await this.request(url.toString(), { headers: await this.authHeaders(signal), signal });
    }
    const items = (res.body as Record<string, unknown> | null)?.[key];
    if (!Array.isArray(items)) throw ConnectorError.system(`${describe(url.toString())}: response has no "${key}" array`);
    const totalHeader = res.headers.get('x-total-count');
    const total = totalHeader !== null && /^\d+$/.test(totalHeader.trim()) ? Number(totalHeader) : undefined;
    const date = Date.parse(res.headers.get('date') ?? '');
    return { items: items as T[], total, serverDate: Number.isNaN(date) ? undefined : date };
  }

  private async authHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    if (!this.token || this.token.expiresAt < Date.now()) this.token = await this.fetchToken(signal);
    return { authorization: `Bearer ${this.token.value}`, accept: 'application/json' };
  }

  private async fetchToken(signal?: AbortSignal): Promise<Token> {
    const { auth, scope } = this.config;
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) form.set('scope', scope);
    const { body } = await this.request(this.config.tokenUrl ?? new URL(this.config.tokenPath, this.config.baseUrl).toString(), {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
      token: true,
    });
    const t = body as { access_token?: unknown; expires_in?: unknown; token_type?: unknown } | null;
    if (typeof t?.access_token !== 'string' || typeof t.token_type !== 'string' || t.token_type.toLowerCase() !== 'bearer') {
      throw ConnectorError.system('token endpoint answered without a bearer token');
    }
    const expiresIn = typeof t.expires_in === 'number' ? t.expires_in : 300;
    // Renew 30 s early so a token never expires mid-request.
    return { value: t.access_token, expiresAt: Date.now() + Math.max(0, expiresIn - 30) * 1000 };
  }

  private async request(url: string, init: RequestInit & { signal?: AbortSignal; token?: boolean }): Promise<{ body: unknown; headers: Headers }> {
    let lastError: ConnectorError | undefined;
    for (let attempt = 1; attempt <= this.http.attempts; attempt++) {
      if (attempt > 1) await sleep(Math.random() * this.http.backoffMs * 2 ** (attempt - 2), init.signal ?? undefined);
      try {
        return await this.once(url, init);
      } catch (err) {
        if (!(err instanceof ConnectorError) || err.failure !== 'transient_error') throw err;
        lastError = err;
      }
    }
    throw lastError!;
  }

  private async throttle(signal?: AbortSignal): Promise<void> {
    if (this.http.requestsPerSecond <= 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.http.requestsPerSecond;
    if (slot > now) await sleep(slot - now, signal);
  }

  private async once(url: string, init: RequestInit & { signal?: AbortSignal; token?: boolean }): Promise<{ body: unknown; headers: Headers }> {
    await this.throttle(init.signal ?? undefined);
    // One controller per request for the timeout and the job's signal; its listener is removed
    // afterwards (AbortSignal.any would leave one per request on the job's signal).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), controller.abort()), this.http.timeoutMs);
    const onAbort = () => controller.abort(init.signal!.reason);
    init.signal?.addEventListener('abort', onAbort, { once: true });
    const { token, ...fetchInit } = init;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { ...fetchInit, signal: controller.signal });
      text = res.ok || token ? await res.text() : '';
      if (!res.ok && !token) await res.body?.cancel();
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason;
      const reason = timedOut ? `timed out after ${this.http.timeoutMs} ms` : (err as Error).message;
      throw ConnectorError.transient(`${describe(url)}: ${reason}`);
    } finally {
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', onAbort);
    }
    const what = `${describe(url)}: HTTP ${res.status}`;
    if (res.ok) {
      try {
        return { body: JSON.parse(text) as unknown, headers: res.headers };
      } catch {
        throw ConnectorError.transient(`${describe(url)}: response body is not JSON`, res.status);
      }
    }
    if (res.status === 429 || res.status >= 500 || res.status === 408) throw ConnectorError.transient(what, res.status);
    if (res.status === 401 || res.status === 403 || res.status === 404) throw ConnectorError.config(what, res.status);
    if (token && res.status === 400) {
      // RFC 6749 §5.2: a 400 from the token endpoint names the problem; only the code is kept.
      let code: unknown;
      try {
        code = (JSON.parse(text) as { error?: unknown }).error;
      } catch {
        code = undefined;
      }
      if (typeof code === 'string' && CLIENT_ERRORS.has(code)) throw ConnectorError.config(`${what} (${code})`, res.status);
    }
    throw ConnectorError.system(what, res.status);
  }
}

/** URL without query string, for messages: queries may carry identifiers. */
function describe(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
