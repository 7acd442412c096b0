import type { EntityManager } from '@mikro-orm/postgresql';
import { ErrorCode, HubError } from '../platform/graphql/errors';
import { isUuid } from '../platform/graphql/ids';
import type { Actor } from './actor';
import type { PartnerRole } from './partner-role';
import { isPurpose } from './purposes';
import { credentialVersion, TokenError, type TokenService, type VerifiedToken } from './tokens';

/** Request header naming the one purpose of a request when the token carries several. */
export const PURPOSE_HEADER = 'x-skolebro-purpose';

export interface AuthenticateDeps {
  /** The root EntityManager; each call forks its own. */
  em: EntityManager;
  tokens: TokenService;
}

/** The two request headers authentication reads (Fastify's `request.headers` fits). */
export interface AuthHeaders {
  authorization?: string | string[];
  purpose?: string | string[];
}

export type Authenticate = (headers: AuthHeaders) => Promise<Actor>;

/** RFC 6750 §2.1: `Bearer` SP b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * UNAUTHENTICATED with HTTP 401 and a `WWW-Authenticate` challenge (RFC 6750 §3) when thrown
 * from Apollo's context function; the `http` extension never reaches the response body.
 */
/** RFC 6750 §3: error_description is printable ASCII without `"` and `\`. */
const quotable = (text: string) => text.replace(/[^\x20-\x7e]|["\\]/g, '');

function unauthenticated(reason: string, tokenPresented: boolean): HubError {
  const challenge = tokenPresented
    ? `Bearer realm="skolebro", error="invalid_token", error_description="${quotable(reason)}"`
    : 'Bearer realm="skolebro"';
  return new HubError(ErrorCode.Unauthenticated, reason, { http: { status: 401, headers: new Map([['www-authenticate', challenge]]) } });
}

function forbidden(reason: string): HubError {
  return new HubError(ErrorCode.Forbidden, reason, {
    http: {
      status: 403,
      headers: new Map([['www-authenticate', `Bearer realm="skolebro", error="insufficient_scope", error_description="${quotable(reason)}"`]]),
    },
  });
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : value.length ? '' : undefined;
  return value;
}

function bearerToken(authorization: string | string[] | undefined): string {
  const header = single(authorization);
  if (header === undefined || header.trim() === '') throw unauthenticated('a bearer access token is required', false);
  const match = BEARER.exec(header);
  if (!match) throw unauthenticated('the Authorization header must be "Bearer <access token>"', false);
  return match[1];
}

/**
 * Turns a request's `Authorization: Bearer …` and `x-skolebro-purpose` into the Actor. The
 * partner app is read on every request (one primary-key query), so deactivation and secret
 * rotation take effect on the next request; role, municipality and purposes come from the
 * app's row (external tokens) or must still agree with it (our tokens).
 */
export function createAuthenticator(deps: AuthenticateDeps): Authenticate {
  return async (headers) => {
    const token = bearerToken(headers.authorization);
    let verified: VerifiedToken;
    try {
      verified = await deps.tokens.verify(token);
    } catch (err) {
      if (err instanceof TokenError) throw unauthenticated(err.message, true);
      throw err;
    }

    let app: AppRow | null;
    let purposes: string[];
    if (verified.kind === 'hub') {
      app = isUuid(verified.partnerAppId) ? await findApp(deps.em, 'id', verified.partnerAppId) : null;
      if (!app || !app.active) throw unauthenticated('the partner app is not active', true);
      const agrees =
        app.municipalityId === verified.municipalityId &&
        app.clientId === verified.clientId &&
        app.role === verified.role &&
        verified.credential === credentialVersion(app.secretHash);
      if (!agrees) throw unauthenticated('the access token no longer matches its partner app', true);
      purposes = verified.purposes.filter((p) => app!.purposes.includes(p));
    } else {
      app = await findApp(deps.em, 'client_id', verified.clientId);
      if (!app || !app.active) throw unauthenticated('the token names no active partner app', true);
      // Scopes narrow the app's purposes, never widen them: only a token without any scope claim
      // gets all of them; scopes naming none (e.g. only `openid`) leave none, refused below.
      const scopes = verified.scopes;
      purposes = scopes === null ? [...app.purposes] : app.purposes.filter((p) => scopes.includes(p));
    }
    if (!purposes.length) throw unauthenticated('the access token carries no purpose the partner app still has', true);

    const requested = single(headers.purpose)?.trim();
    let purpose: string | null;
    if (requested) {
      if (!purposes.includes(requested)) {
        throw forbidden(isPurpose(requested) ? `purpose ${requested} is not granted to this token` : `${PURPOSE_HEADER} must name one purpose of the token`);
      }
      purpose = requested;
    } else {
      purpose = purposes.length === 1 ? purposes[0] : null;
    }

    return {
      role: app.role,
      partnerAppId: app.id,
      clientId: app.clientId,
      municipalityId: app.municipalityId,
      purposes,
      purpose,
    };
  };
}

interface AppRow {
  id: string;
  active: boolean;
  municipalityId: string;
  clientId: string;
  role: PartnerRole;
  secretHash: string;
  purposes: string[];
}

/** One indexed row on every request: a plain query, no entity hydration on the hot path. */
async function findApp(em: EntityManager, key: 'id' | 'client_id', value: string): Promise<AppRow | null> {
  const rows = await em.getConnection().execute<AppRow[]>(
    `select id, active, municipality_id as "municipalityId", client_id as "clientId", role, secret_hash as "secretHash", purposes
     from partner_app where ${key} = ?`,
    [value],
  );
  return rows[0] ?? null;
}
