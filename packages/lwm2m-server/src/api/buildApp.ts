import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ObjectRegistry, SystemClock } from '@chainm2m/lwm2m';
import type { ApiDeps } from './ApiDeps.js';
import { AccountCheck } from './AccountCheck.js';
import { ClearanceGuard } from './clearance.js';
import { verifyBearer } from './auth.js';
import { errorToHttp } from './errorToHttp.js';
import { TokenIssuer } from './jwt.js';
import { strictAjvOptions, strictInput } from './strictInput.js';
import { DOCS_CSP, securityHeaders } from './securityHeaders.js';
import { LoginRateLimiter } from './LoginRateLimiter.js';
import { Metrics } from './metrics.js';
import { authRoutes } from './routes/authRoutes.js';
import { clientRoutes } from './routes/clientRoutes.js';
import { managementRoutes } from './routes/managementRoutes.js';
import { eventRoutes } from './routes/eventRoutes.js';
import { compositeRoutes } from './routes/compositeRoutes.js';
import { dataRoutes } from './routes/dataRoutes.js';
import { modelRoutes } from './routes/modelRoutes.js';
import { endpointBulkRoutes } from './routes/endpointBulkRoutes.js';
import { consoleStatic } from './consoleStatic.js';
import { trustRoutes } from './routes/trustRoutes.js';
import { provenanceRoutes } from './routes/provenanceRoutes.js';

/**
 * Builds the REST API (fastify) without listening: `app.inject()` in tests, `app.listen()` in
 * the server. JWT verification is registered only in the encapsulated context of the protected
 * routes; `/api/auth/login`, `/health`, `/metrics`, `/api/openapi.json` and `/docs` are open.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? SystemClock;
  const nowSec = deps.nowSec ?? (() => Date.now() / 1000);
  const issuer = new TokenIssuer(deps.jwt);
  const limiter = new LoginRateLimiter(clock, deps.loginRateLimits);
  const accounts = new AccountCheck((username) => deps.users.account(username), clock);
  const metrics = new Metrics();
  metrics.counter('chainm2m_http_requests_total', 'HTTP requests by route, method and status');
  metrics.counter('chainm2m_login_failures_total', 'Failed logins');
  for (const [name, g] of Object.entries(deps.gauges ?? {})) metrics.gauge(name, g.help, g.read);
  for (const [name, c] of Object.entries(deps.counters ?? {})) metrics.counterProbe(name, c.help, c.read);
  for (const [name, g] of Object.entries(deps.series ?? {})) metrics.series(name, g.type, g.help, g.read);

  const app = Fastify({
    logger: deps.logger ?? false,
    ajv: { customOptions: strictAjvOptions },
    bodyLimit: 1024 * 1024,
    // Closing the API ends every connection, event streams included, instead of waiting for their clients.
    forceCloseConnections: true,
  });
  app.decorateRequest('auth', null);
  app.decorate('clearance', new ClearanceGuard(async (endpoint) => (await deps.endpoints.clearanceOf(endpoint)) ?? 0));

  securityHeaders(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'chainm2m REST API', version: '0.1.0', description: 'LwM2M devices, endpoints, users and anomalies backed by Ethereum contracts.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, uiConfig: { validatorUrl: null } });

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const http = errorToHttp(err);
    if (http.status >= 500 && http.code === 'API_INTERNAL') request.log.error({ err }, 'unhandled error');
    if (http.retryAfterSec !== undefined) void reply.header('retry-after', String(http.retryAfterSec));
    void reply.status(http.status).send({
      error: statusText(http.status),
      code: http.code,
      message: http.message,
      ...(http.field ? { field: http.field } : {}),
    });
  });
  strictInput(app);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: 'Not Found', code: 'API_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.inc('chainm2m_http_requests_total', { route: request.routeOptions.url ?? 'unknown', method: request.method, status: reply.statusCode });
  });

  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Health: 200 when every part is up, 503 naming what is degraded',
        response: {
          200: { type: 'object', description: 'Healthy', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'], additionalProperties: true, example: { status: 'ok', registrations: 12 } },
          503: { type: 'object', description: 'Degraded', properties: { status: { type: 'string', enum: ['degraded'] } }, required: ['status'], additionalProperties: true, example: { status: 'degraded', chain: { stale: true } } },
        },
      },
    },
    async (_req, reply) => {
    const extra = deps.health ? await deps.health() : { ok: true };
    return reply.status(extra.ok ? 200 : 503).send({ status: extra.ok ? 'ok' : 'degraded', ...extra });
    },
  );
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        response: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string', example: 'chainm2m_registrations 12\n' } } } } },
      },
    },
    async (_req, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()),
  );
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (open) => authRoutes(open, { users: deps.users, issuer, limiter, metrics, nowSec }));
  await app.register(async (secured) => {
    secured.addHook('onRequest', verifyBearer(issuer, accounts, nowSec));
    if (deps.provenance) await provenanceRoutes(secured, deps.provenance);
    await clientRoutes(secured, deps.devices);
    if (deps.deviceData) await compositeRoutes(secured, deps.deviceData);
    if (deps.deviceData) await dataRoutes(secured, deps.deviceData);
    await managementRoutes(secured, deps, accounts);
    await eventRoutes(secured, deps.events, clock);
    await modelRoutes(secured, deps.objects ?? new ObjectRegistry());
    await secured.register(async (bulk) => endpointBulkRoutes(bulk, deps.endpoints));
    if (deps.trust) await trustRoutes(secured, deps.trust, deps.devices);
  });
  if (deps.consoleDir) await consoleStatic(app, deps.consoleDir);
  return app;
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return texts[status] ?? 'Error';
}
