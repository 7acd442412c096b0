import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { Runtime } from '../platform/runtime';
import { createAuthenticator, type Authenticate } from './authenticate';
import { registerOAuthRoutes } from './oauth.routes';
import { TokenService } from './tokens';

/** Everything partner authentication needs, built once per `serve` process. */
export interface PartnerAuth {
  tokens: TokenService;
  /** Request headers → Actor, or UNAUTHENTICATED / FORBIDDEN (see authenticate.ts). */
  authenticate: Authenticate;
  /**
   * Adds POST /oauth/token and GET /.well-known/jwks.json to the server; `onRequest` hooks
   * (e.g. a rate limit) run before the token endpoint.
   */
  registerRoutes(app: FastifyInstance, opts?: { onRequest?: onRequestHookHandler[] }): Promise<void>;
}

export async function createPartnerAuth(rt: Pick<Runtime, 'config' | 'orm' | 'logger'>): Promise<PartnerAuth> {
  const tokens = await TokenService.fromConfig(rt.config, rt.logger);
  const em = rt.orm.em;
  return {
    tokens,
    authenticate: createAuthenticator({ em, tokens }),
    registerRoutes: (app, opts = {}) => registerOAuthRoutes(app, { em, tokens, onRequest: opts.onRequest }),
  };
}
