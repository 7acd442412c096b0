import formbody from '@fastify/formbody';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { verifyAgainstDummy, verifyClientSecret } from './client-secret';
import { PartnerApp } from './partner-app.entity';
import { isPurpose, parseScope } from './purposes';
import { credentialVersion, type TokenService } from './tokens';

export const TOKEN_PATH = '/oauth/token';
export const JWKS_PATH = '/.well-known/jwks.json';
/** Token requests are a few short parameters. */
const TOKEN_BODY_LIMIT = 16 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const MAX_CREDENTIAL_LENGTH = 256;

export interface OAuthRoutesDeps {
  /** The root EntityManager; each request forks its own. */
  em: EntityManager;
  tokens: TokenService;
  /**
   * Hooks run before POST /oauth/token, e.g. `app.rateLimit({ max: 30 })` of @fastify/rate-limit:
   * every attempt costs an scrypt verification. A 429 they raise is answered in OAuth terms.
   */
  onRequest?: onRequestHookHandler[];
}

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'temporarily_unavailable' | 'server_error';

/** An RFC 6749 §5.2 error response. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
  }
}

const invalidClient = () => new OAuthError(401, 'invalid_client', 'client authentication failed');

function sendError(reply: FastifyReply, err: OAuthError): FastifyReply {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (err.error === 'invalid_client') reply.header('www-authenticate', 'Basic realm="skolebro"');
  return reply.code(err.status).send({ error: err.error, error_description: err.description });
}

/** One parameter of the form or JSON body: absent, or exactly one string (RFC 6749 §3.2: never repeated). */
function param(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new OAuthError(400, 'invalid_request', `${name} must not be repeated`);
  if (typeof value !== 'string') throw new OAuthError(400, 'invalid_request', `${name} must be a string`);
  return value;
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(client_id) ":" urlencode(client_secret))`. */
function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null {
  if (header === undefined) return null;
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) throw invalidClient();
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient();
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient();
  }
}

/** Exactly one client authentication method per request (RFC 6749 §2.3). */
function clientCredentials(request: FastifyRequest, body: Record<string, unknown>): { clientId: string; clientSecret: string } {
  const basic = basicCredentials(request.headers.authorization);
  const bodyId = param(body, 'client_id');
  const bodySecret = param(body, 'client_secret');
  let credentials: { clientId: string; clientSecret: string };
  if (basic) {
    if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== basic.clientId)) {
      throw new OAuthError(400, 'invalid_request', 'use either HTTP Basic or client_id/client_secret in the body, not both');
    }
    credentials = basic;
  } else {
    if (!bodyId || !bodySecret) throw invalidClient();
    credentials = { clientId: bodyId, clientSecret: bodySecret };
  }
  if (!credentials.clientId || credentials.clientId.length > MAX_CREDENTIAL_LENGTH || credentials.clientSecret.length > MAX_CREDENTIAL_LENGTH) {
    throw invalidClient();
  }
  return credentials;
}

/** The requested purposes: a subset of the app's (RFC 6749 §3.3), or all of them when `scope` is absent. */
function grantedPurposes(scope: string | undefined, app: PartnerApp): string[] {
  const requested = [...new Set(parseScope(scope ?? ''))];
  if (!requested.length) return [...app.purposes];
  const unknown = requested.filter((s) => !isPurpose(s) || !app.purposes.includes(s));
  if (unknown.length) throw new OAuthError(400, 'invalid_scope', 'scope must be purposes registered for this client');
  return requested;
}

/**
 * `POST /oauth/token` (OAuth 2.0 client credentials grant, RFC 6749 §4.4 and §5) and
 * `GET /.well-known/jwks.json`. Registered in its own encapsulated scope: the form-body parser
 * and the OAuth-shaped error handler apply to these routes only, never to /graphql.
 * Secrets and tokens are never logged.
 */
export async function registerOAuthRoutes(app: FastifyInstance, deps: OAuthRoutesDeps): Promise<void> {
  await app.register(async (scope) => {
    if (!scope.hasContentTypeParser(FORM)) await scope.register(formbody, { bodyLimit: TOKEN_BODY_LIMIT });

    // Body parsing failures (unknown content type, malformed JSON, too large) answer in OAuth terms.
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof OAuthError) return sendError(reply, error);
      const status = error.statusCode ?? 500;
      if (status === 429) return sendError(reply, new OAuthError(429, 'temporarily_unavailable', 'too many token requests; retry later'));
      if (status < 500) {
        return sendError(reply, new OAuthError(400, 'invalid_request', `the body must be ${FORM} or JSON with the token request parameters`));
      }
      request.log.error({ err: { message: error.message, code: error.code } }, 'token endpoint failed');
      return sendError(reply, new OAuthError(500, 'server_error', 'the token could not be issued'));
    });

    scope.post(TOKEN_PATH, { bodyLimit: TOKEN_BODY_LIMIT, onRequest: deps.onRequest ?? [] }, async (request, reply) => {
      const raw = request.body ?? {};
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new OAuthError(400, 'invalid_request', 'the body must hold the token request parameters');
      const body = raw as Record<string, unknown>;

      const grantType = param(body, 'grant_type');
      if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
      if (grantType !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'only client_credentials is supported');
      const scopeParam = param(body, 'scope');

      const { clientId, clientSecret } = clientCredentials(request, body);
      const partnerApp = await deps.em.fork().findOne(PartnerApp, { clientId });
      // Same work for an unknown client as for a wrong secret; an inactive app fails the same way.
      const verified = partnerApp ? await verifyClientSecret(clientSecret, partnerApp.secretHash) : await verifyAgainstDummy(clientSecret);
      if (!partnerApp || !verified || !partnerApp.active) throw invalidClient();

      const purposes = grantedPurposes(scopeParam, partnerApp);
      const issued = await deps.tokens.issue({
        partnerAppId: partnerApp.id,
        clientId: partnerApp.clientId,
        municipalityId: partnerApp.municipality.id,
        role: partnerApp.role,
        purposes,
        credential: credentialVersion(partnerApp.secretHash),
      });
      return reply
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .send({ access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope });
    });

    scope.get(JWKS_PATH, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('application/json').send(deps.tokens.jwks()),
    );
  });
}
