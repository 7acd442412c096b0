import { ConnectorError } from './errors';

export interface HttpOptions {
  /** Per-request timeout. */
  timeoutMs: number;
  /** Attempts per request for transient failures (1 = no retry). */
  attempts: number;
  /** First backoff; doubles each attempt, with full jitter. */
  backoffMs: number;
  /** At most this many requests per second to the source (0 = unlimited). */
  requestsPerSecond: number;
  /** At most this many requests in flight to the source at once (a page read ahead counts). */
  maxConcurrentRequests: number;
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = { timeoutMs: 10_000, attempts: 4, backoffMs: 250, requestsPerSecond: 0, maxConcurrentRequests: 2 };

/** Waits, or stops early when the job is aborted; the abort listener goes when the wait ends. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => (clearTimeout(t), reject(signal!.reason));
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * JSON over HTTP for connectors: per-request timeout, retries of transient failures with
 * exponential backoff and full jitter, a per-source request rate and concurrency (one client
 * per run, and one run per source at a time), and typed failures.
 * 401/403/404 are config errors (wrong credentials or URL), 429/5xx/timeouts transient.
 */
export class HttpClient {
  private nextSlot = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: HttpOptions) {}

  async json<T>(url: string, init: RequestInit & { signal?: AbortSignal } = {}): Promise<T> {
    let lastError: ConnectorError | undefined;
    for (let attempt = 1; attempt <= this.opts.attempts; attempt++) {
      if (attempt > 1) {
        const cap = this.opts.backoffMs * 2 ** (attempt - 2);
        await sleep(Math.random() * cap, init.signal ?? undefined);
      }
      try {
        return await this.once<T>(url, init);
      } catch (err) {
        if (!(err instanceof ConnectorError) || err.failure !== 'transient_error') throw err;
        lastError = err;
      }
    }
    throw lastError!;
  }

  private async throttle(signal?: AbortSignal): Promise<void> {
    if (this.opts.requestsPerSecond <= 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.opts.requestsPerSecond;
    if (slot > now) await sleep(slot - now, signal);
  }

  /** Waits for one of the source's request slots; the caller must release it. */
  private async acquire(signal?: AbortSignal): Promise<void> {
    if (this.inFlight < this.opts.maxConcurrentRequests) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const turn = () => (signal?.removeEventListener('abort', onAbort), resolve());
      const onAbort = () => {
        const i = this.waiting.indexOf(turn);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      this.waiting.push(turn);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands the slot to the next waiter (the count stays), or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  private async once<T>(url: string, init: RequestInit & { signal?: AbortSignal }): Promise<T> {
    await this.acquire(init.signal ?? undefined);
    try {
      return await this.request<T>(url, init);
    } finally {
      this.release();
    }
  }

  private async request<T>(url: string, init: RequestInit & { signal?: AbortSignal }): Promise<T> {
    await this.throttle(init.signal ?? undefined);
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal });
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason;
      const reason = timeout.aborted ? `timed out after ${this.opts.timeoutMs} ms` : (err as Error).message;
      throw ConnectorError.transient(`${describe(url)}: ${reason}`);
    }
    if (res.ok) {
      try {
        return (await res.json()) as T;
      } catch {
        throw ConnectorError.transient(`${describe(url)}: response body is not JSON`, res.status);
      }
    }
    await res.body?.cancel();
    const message = `${describe(url)}: HTTP ${res.status}`;
    if (res.status === 429 || res.status >= 500 || res.status === 408) throw ConnectorError.transient(message, res.status);
    if (res.status === 401 || res.status === 403 || res.status === 404) throw ConnectorError.config(message, res.status);
    throw ConnectorError.system(message, res.status);
  }
}

/** Method-less URL without query string, for messages: queries may carry identifiers. */
function describe(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
