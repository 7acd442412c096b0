import { ConnectorError } from '../errors';
import { HttpClient } from '../http';
import type { CaseSystemConfig } from './config';
import type { Page } from './wire';

interface Token {
  value: string;
  expiresAt: number;
}

/** REST client for the case-system export API: OAuth2 client credentials or API key, JSON pages. */
export class CaseSystemClient {
  private readonly http: HttpClient;
  private token?: Token;

  constructor(private readonly config: CaseSystemConfig) {
    this.http = new HttpClient(config.http);
  }

  async page<T>(path: string, query: Record<string, string | number | undefined>, signal?: AbortSignal): Promise<Page<T>> {
    const url = new URL(path, this.config.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    try {
      return await this.http.json<Page<T>>(url.toString(), { headers: await this.authHeaders(signal), signal });
    } catch (err) {
      // An expired or revoked token: fetch a new one once, then let a second 401 stand.
      if (err instanceof ConnectorError && err.status === 401 && this.token) {
        this.token = undefined;
        return this.http.json<Page<T>>(url.toString(), { headers: await this.authHeaders(signal), signal });
      }
      throw err;
    }
  }

  private async authHeaders(signal?: AbortSignal): Promise<Record<string, string>> {
    const auth = this.config.auth;
    if (auth.type === 'api_key') return { 'x-api-key': auth.apiKey };
    if (!this.token || this.token.expiresAt < Date.now()) this.token = await this.fetchToken(signal);
    return { authorization: `Bearer ${this.token.value}` };
  }

  /** RFC 6749 §4.4 client credentials, client authenticated with HTTP Basic (§2.3.1). */
  private async fetchToken(signal?: AbortSignal): Promise<Token> {
    const auth = this.config.auth;
    if (auth.type !== 'oauth2') throw new Error('unreachable');
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
    const body = await this.http.json<{ access_token?: string; expires_in?: number; token_type?: string }>(
      new URL(auth.tokenPath, this.config.baseUrl).toString(),
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        signal,
      },
    );
    if (!body.access_token || body.token_type?.toLowerCase() !== 'bearer') throw ConnectorError.system('token endpoint answered without a bearer token');
    // Renew 30 s early so a token never expires mid-request.
    return { value: body.access_token, expiresAt: Date.now() + Math.max(0, (body.expires_in ?? 300) - 30) * 1000 };
  }
}
