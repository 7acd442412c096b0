import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { createJobControl } from '../../../jobs/job-control';
import { auditPlugin } from '../../audit/audit.plugin';
import { redactCpr } from '../../identity/cpr';
import type { Actor } from '../../partners/actor';
import { PURPOSE_HEADER } from '../../partners/authenticate';
import { createPartnerAuth } from '../../partners/partner-auth';
import { armor, QUERY_LIMITS } from '../graphql/armor';
import { TenantPools } from '../db/tenant-scope';
import { createContext, type GraphQLContext } from '../graphql/context';
import { ErrorCode } from '../graphql/errors';
import { formatError } from '../graphql/format-error';
import { buildHubSchema } from '../graphql/schema';
import type { Runtime } from '../runtime';
import { readiness } from './readiness';

const BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  /**
   * Benchmarks only, never reachable from configuration: serve every request as this actor with
   * no token check, no consent check, no audit and no row-level security — the baseline the
   * protected API's overhead is measured against.
   */
  unprotectedBenchmarkActor?: Actor;
}

/** Fastify with `/graphql` (Apollo Server), `/healthz` (process up) and `/readyz` (dependencies up). */
export async function startHttpServer(rt: Runtime, opts: HttpServerOptions = {}): Promise<HttpServer> {
  const production = rt.config.NODE_ENV === 'production';
  const app = Fastify({
    loggerInstance: rt.logger.child({ role: 'serve' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });

  const auth = await createPartnerAuth(rt);
  const limits = armor(production);
  const apollo = new ApolloServer<GraphQLContext>({
    schema: await buildHubSchema(),
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    // One operation per HTTP request: a batch would multiply every per-request limit.
    allowBatchedHttpRequests: false,
    validationRules: limits.validationRules,
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    formatError: formatError(rt.logger),
    // main.ts owns shutdown for every role; Apollo's own handler would re-send the signal.
    stopOnTerminationSignals: false,
    plugins: [
      ...limits.plugins,
      auditPlugin(rt.orm.em, rt.logger),
      fastifyApolloDrainPlugin(app),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await apollo.start();
  const jobs = createJobControl(rt);
  const tenants = new TenantPools(rt.config.DATABASE_URL, { debug: rt.orm.config.get('debug'), logger: rt.orm.config.get('logger') });
  const contextDeps = { rootEm: rt.orm.em, tenants, jobs };

  // Per partner app (per client IP before a valid token), shared by every API instance via Redis.
  await app.register(rateLimit, {
    global: false,
    redis: rt.redis,
    nameSpace: `${rt.config.QUEUE_PREFIX}:rate:`,
    max: rt.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: async (request) => {
      const match = /^Bearer +(\S+)$/i.exec(String(request.headers.authorization ?? ''));
      if (match) {
        const verified = await auth.tokens.verify(match[1]).catch(() => null);
        if (verified) return `client:${verified.clientId}`;
      }
      return `ip:${request.ip}`;
    },
    // Thrown as an error; each route's error handler answers it in its own terms (GraphQL / OAuth).
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 }),
  });
  await auth.registerRoutes(app, {
    onRequest: [app.rateLimit({ max: rt.config.TOKEN_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `token-ip:${request.ip}` })],
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const result = await readiness(rt);
    return reply.code(result.ready ? 200 : 503).send(result);
  });
  await app.register(async (scope) => {
    scope.addHook('onRequest', scope.rateLimit());
    // Failures outside GraphQL's own handling (oversized or malformed body, rate limiter, Redis or
    // a bug) still answer in GraphQL's error shape with a stable code; a 5xx says nothing more.
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed outside GraphQL');
        return reply.code(status).send({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.Internal } }] });
      }
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST';
      // Fastify's own 4xx messages; masked in case one ever quotes the request.
      return reply.code(status).send({ errors: [{ message: redactCpr(error.message), extensions: { code } }] });
    });
    // Other methods get a 405 in GraphQL's error shape (as Apollo words it), not Fastify's bare 404.
    scope.route({
      method: ['PUT', 'PATCH', 'DELETE'],
      url: '/graphql',
      handler: (_request, reply) =>
        reply.code(405).header('allow', 'GET, POST').send({ errors: [{ message: 'only GET and POST requests are supported', extensions: { code: 'BAD_REQUEST' } }] }),
    });
    await scope.register(fastifyApollo(apollo), {
      // UNAUTHENTICATED / FORBIDDEN thrown here become 401 / 403 responses with that code.
      context: async (request) =>
        opts.unprotectedBenchmarkActor
          ? createContext({ ...contextDeps, unprotected: true }, String(request.id), opts.unprotectedBenchmarkActor)
          : createContext(contextDeps, String(request.id), await auth.authenticate({ authorization: request.headers.authorization, purpose: request.headers[PURPOSE_HEADER] })),
    });
  });

  const address = await app.listen({ host: rt.config.HOST, port: rt.config.PORT });
  return {
    app,
    url: `${address}/graphql`,
    async close() {
      // Drains: stops accepting, lets in-flight requests finish (10 s cap), closes Fastify.
      await apollo.stop();
      await jobs.close();
      await tenants.close();
    },
  };
}
