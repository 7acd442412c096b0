import { ConnectorError } from '../errors';
import { HttpClient } from '../http';
import type { EdFiConfig } from './config';
import type { AvailableChangeVersions } from './wire';

interface Token {
  value: string;
  expiresAt: number;
}

export type Query = Record<string, string | number | undefined>;

/**
 * Client for an Ed-Fi ODS/API: OAuth2 client credentials at `oauth/token`, resources under
 * `data/v3/{namespace}/…` paged with offset/limit, change queries under `changeQueries/v1`.
 * Paths resolve relative to the base URL, which may carry a path (instance, year).
 */
export class EdFiClient {
  private readonly http: HttpClient;
  private readonly root: string;
  private token?: Token;

  constructor(private readonly config: EdFiConfig) {
    this.http = new HttpClient(config.http);
    this.root = config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`;
  }

  /** `/changeQueries/v1/availableChangeVersions`: the window a synchronisation pass may read. */
  async availableChangeVersions(signal?: AbortSignal): Promise<AvailableChangeVersions> {
    const body = await this.get<Partial<AvailableChangeVersions>>(`${this.config.changeQueriesPath}/availableChangeVersions`, {}, signal);
    const oldest = body?.oldestChangeVersion;
    const newest = body?.newestChangeVersion;
    if (!Number.isSafeInteger(oldest) || !Number.isSafeInteger(newest)) {
      throw ConnectorError.system('availableChangeVersions answered without integer oldestChangeVersion/newestChangeVersion');
    }
    return { oldestChangeVersion: oldest!, newestChangeVersion: newest! };
  }

  /** One page of a resource (or of its `/deletes`): a JSON array. `resource` is e.g. `students/deletes`. */
  async list<T>(resource: string, query: Query, signal?: AbortSignal): Promise<T[]> {
    const body = await this.get<unknown>(`${this.config.dataPath}/${this.config.resourceNamespace}/${resource}`, query, signal);
    if (!Array.isArray(body)) throw ConnectorError.system(`${resource}: expected a JSON array of items`);
    return body as T[];
  }

  private async get<T>(path: string, query: Query, signal?: AbortSignal): Promise<T> {
    const url = new URL(path, this.root);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const href = url.toString();
    try {
      return await this.http.json<T>(href, { headers: await this.authHeaders(signal), signal });
    } catch (err) {
      // An expired or revoked token: fetch a new one once, then let a second 401 stand.
      if (err instanceof ConnectorError && err.status === 401 && this.token) {
        this.token = undefined;
        return this.http.json<T>(href, { headers: await this.authHeaders(signal), signal });
      }
      throw err;
    }
  }

  private async authHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    if (!this.token || this.token.expiresAt < Date.now()) this.token = await this.fetchToken(signal);
    return { authorization: `Bearer ${this.token.value}`, accept: 'application/json' };
  }

  /** RFC 6749 §4.4 client credentials, client authenticated with HTTP Basic (§2.3.1), as the ODS accepts. */
  private async fetchToken(signal?: AbortSignal): Promise<Token> {
    const { clientId, clientSecret } = this.config.auth;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    let body: { access_token?: string; expires_in?: number; token_type?: string };
    try {
      body = await this.http.json(new URL(this.config.tokenPath, this.root).toString(), {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'grant_type=client_credentials',
        signal,
      });
    } catch (err) {
      // RFC 6749 §5.2 lets a token endpoint refuse a client with 400 (invalid_client, invalid_grant):
      // retrying cannot help, so it is a configuration error like 401.
      if (err instanceof ConnectorError && err.status === 400) throw ConnectorError.config(`token endpoint refused the client: ${err.message}`, 400);
      throw err;
    }
    if (!body?.access_token || body.token_type?.toLowerCase() !== 'bearer') throw ConnectorError.system('token endpoint answered without a bearer token');
    // Renew 30 s early so a token never expires mid-request.
    return { value: body.access_token, expiresAt: Date.now() + Math.max(0, (body.expires_in ?? 300) - 30) * 1000 };
  }
}
