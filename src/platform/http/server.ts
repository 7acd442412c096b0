import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createJobControl } from '../../../jobs/job-control';
import { LOCAL_OPERATOR } from '../../partners/actor';
import { createContext, type GraphQLContext } from '../graphql/context';
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

/** Fastify with `/graphql` (Apollo Server), `/healthz` (process up) and `/readyz` (dependencies up). */
export async function startHttpServer(rt: Runtime): Promise<HttpServer> {
  const production = rt.config.NODE_ENV === 'production';
  const app = Fastify({
    loggerInstance: rt.logger.child({ role: 'serve' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema: await buildHubSchema(),
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: production,
    formatError: formatError(rt.logger),
    // main.ts owns shutdown for every role; Apollo's own handler would re-send the signal.
    stopOnTerminationSignals: false,
    plugins: [
      fastifyApolloDrainPlugin(app),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
    ],
  });
  await apollo.start();
  const jobs = createJobControl(rt);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const result = await readiness(rt);
    return reply.code(result.ready ? 200 : 503).send(result);
  });
  await app.register(fastifyApollo(apollo), {
    context: async (request) => createContext(rt.orm.em, String(request.id), LOCAL_OPERATOR, jobs),
  });

  const address = await app.listen({ host: rt.config.HOST, port: rt.config.PORT });
  return {
    app,
    url: `${address}/graphql`,
    async close() {
      // Drains: stops accepting, lets in-flight requests finish (10 s cap), closes Fastify.
      await apollo.stop();
      await jobs.close();
    },
  };
}
