import type { FastifyInstance } from 'fastify';
import type { UserRole } from '@chainm2m/lwm2m';
import type { AccountCheck } from '../AccountCheck.js';
import type { ApiDeps } from '../ApiDeps.js';
import { Lwm2mServerError } from '../../Lwm2mServerError.js';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import { claimsOf, requireRole } from '../auth.js';
import { MAX_CLEARANCE, visiblePage } from '../clearance.js';
import { anomalySchema, endpointViewSchema, errorResponses, noContent, pageQuerySchema, SECURED_ERRORS, userViewSchema } from '../schemas.js';
import { parsePsk } from '../../management/validation.js';

interface NewEndpointBody {
  endpoint: string;
  pskHex?: string;
  pskText?: string;
  identity?: string;
  bsPskHex?: string;
  bsPskText?: string;
  bsIdentity?: string;
  lifetime?: number;
  clearance?: number;
  binding?: string;
}

const secretsSchema = {
  type: 'object',
  description: 'The keys, shown once: they are stored only sealed.',
  properties: {
    endpoint: { type: 'string' },
    identity: { type: 'string' },
    pskHex: { type: 'string' },
    bsIdentity: { type: 'string' },
    bsPskHex: { type: 'string' },
  },
} as const;

const secured = { security: [{ bearer: [] }] };
const epParams = { type: 'object', properties: { ep: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['ep'] } as const;

/** Nobody gives an endpoint or a user a clearance above their own (403). */
function assertNotAbove(own: number, asked: number | undefined, what: string): void {
  if (asked !== undefined && asked > own) {
    throw new ApiError(ApiErrorCode.Forbidden, `clearance ${own} may not give a${what === 'user' ? '' : 'n'} ${what} clearance ${asked}`, { details: { field: 'body/clearance' } });
  }
}

/** The paper's web back end: endpoints (ClientStore), users (UserStore) and anomalies (AnomalyStore). */
export async function managementRoutes(app: FastifyInstance, deps: ApiDeps, accounts: AccountCheck): Promise<void> {
  const admin = requireRole('admin');
  const readers = requireRole('user', 'application');
  const reporters = requireRole('application');

  app.get<{ Querystring: { offset: number; limit: number } }>(
    '/api/endpoints',
    {
      preValidation: admin,
      schema: {
        ...secured,
        tags: ['endpoints'],
        summary: 'Endpoints in the ClientStore (no keys)',
        querystring: pageQuerySchema,
        response: {
          200: { type: 'object', description: 'A page of endpoints', properties: { total: { type: 'integer' }, items: { type: 'array', items: endpointViewSchema } }, required: ['items'] },
          ...errorResponses(...SECURED_ERRORS, 503),
        },
      },
    },
    async (request) => {
      const { clearance } = claimsOf(request);
      const { offset, limit } = request.query;
      if (clearance >= MAX_CLEARANCE) return deps.endpoints.list(offset, limit);
      return visiblePage((o, l) => deps.endpoints.list(o, l), async (e) => e.clearance <= clearance, offset, limit);
    },
  );

  app.post<{ Body: NewEndpointBody }>(
    '/api/endpoints',
    {
      preValidation: admin,
      schema: {
        ...secured,
        tags: ['endpoints'],
        summary: 'Register an endpoint; keys generated unless given, returned once',
        body: {
          type: 'object',
          required: ['endpoint'],
          additionalProperties: false,
          properties: {
            endpoint: { type: 'string', minLength: 1, maxLength: 128 },
            pskHex: { type: 'string', maxLength: 130 },
            pskText: { type: 'string', maxLength: 64 },
            identity: { type: 'string', minLength: 1, maxLength: 128 },
            bsPskHex: { type: 'string', maxLength: 130 },
            bsPskText: { type: 'string', maxLength: 64 },
            bsIdentity: { type: 'string', minLength: 1, maxLength: 128 },
            lifetime: { type: 'integer', minimum: 1, maximum: 4294967295 },
            clearance: { type: 'integer', minimum: 0, maximum: 255 },
            binding: { type: 'string', maxLength: 4 },
          },
        },
        response: { 201: secretsSchema, ...errorResponses(...SECURED_ERRORS, 409, 503) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      assertNotAbove(claimsOf(request).clearance, b.clearance, 'endpoint');
      const created = await deps.endpoints.create({
        endpoint: b.endpoint,
        identity: b.identity,
        bsIdentity: b.bsIdentity,
        psk: parsePsk({ hex: b.pskHex, text: b.pskText }, 'body/psk'),
        bsPsk: parsePsk({ hex: b.bsPskHex, text: b.bsPskText }, 'body/bsPsk'),
        lifetime: b.lifetime,
        clearance: b.clearance,
        binding: b.binding,
      });
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get<{ Params: { ep: string } }>(
    '/api/endpoints/:ep',
    {
      preValidation: [admin, app.clearance.preValidation],
      schema: {
        ...secured,
        tags: ['endpoints'],
        summary: 'One endpoint (no keys)',
        params: epParams,
        response: { 200: { ...endpointViewSchema, description: 'The endpoint' }, ...errorResponses(...SECURED_ERRORS, 404, 503) },
      },
    },
    async (request) => deps.endpoints.get(request.params.ep),
  );

  app.delete<{ Params: { ep: string }; Querystring: { compromised: boolean } }>(
    '/api/endpoints/:ep',
    {
      preValidation: [admin, app.clearance.preValidation],
      schema: {
        ...secured,
        tags: ['endpoints'],
        summary: 'Remove an endpoint (?compromised=true drops its sessions everywhere)',
        querystring: { type: 'object', properties: { compromised: { type: 'boolean', default: false } } },
        params: epParams,
        response: { 204: noContent('Removed'), ...errorResponses(...SECURED_ERRORS, 404, 503) },
      },
    },
    async (request, reply) => {
      await deps.endpoints.remove(request.params.ep, request.query.compromised);
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: { offset: number; limit: number } }>(
    '/api/users',
    {
      preValidation: admin,
      schema: {
        ...secured,
        tags: ['users'],
        summary: 'Users',
        querystring: pageQuerySchema,
        response: {
          200: { type: 'object', description: 'A page of users (never their verifiers)', properties: { total: { type: 'integer' }, items: { type: 'array', items: userViewSchema } }, required: ['total', 'items'] },
          ...errorResponses(...SECURED_ERRORS, 503),
        },
      },
    },
    async (request) => deps.users.list(request.query.offset, request.query.limit),
  );

  app.post<{ Body: { username: string; role: UserRole; clearance?: number; password: string; email?: string } }>(
    '/api/users',
    {
      preValidation: admin,
      schema: {
        ...secured,
        tags: ['users'],
        summary: 'Add a user',
        body: {
          type: 'object',
          required: ['username', 'role', 'password'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 64 },
            role: { type: 'string', enum: ['admin', 'user', 'application'] },
            clearance: { type: 'integer', minimum: 0, maximum: 255 },
            password: { type: 'string', minLength: 8, maxLength: 1024 },
            email: { type: 'string', maxLength: 254 },
          },
        },
        response: { 201: { ...userViewSchema, description: 'The user added' }, ...errorResponses(...SECURED_ERRORS, 409, 503) },
      },
    },
    async (request, reply) => {
      assertNotAbove(claimsOf(request).clearance, request.body.clearance, 'user');
      return reply.status(201).send(await deps.users.add(request.body));
    },
  );

  app.put<{ Params: { username: string }; Body: { role?: UserRole; clearance?: number; password?: string; email?: string; active?: boolean } }>(
    '/api/users/:username',
    {
      preValidation: admin,
      schema: {
        ...secured,
        tags: ['users'],
        summary: 'Change a user (role, clearance, password, email, active)',
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            role: { type: 'string', enum: ['admin', 'user', 'application'] },
            clearance: { type: 'integer', minimum: 0, maximum: 255 },
            password: { type: 'string', minLength: 8, maxLength: 1024 },
            email: { type: 'string', maxLength: 254 },
            active: { type: 'boolean' },
          },
        },
        params: { type: 'object', properties: { username: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['username'] },
        response: { 200: { ...userViewSchema, description: 'The user as changed; its older tokens are refused if the password, role or clearance changed' }, ...errorResponses(...SECURED_ERRORS, 404, 503) },
      },
    },
    async (request) => {
      const own = claimsOf(request).clearance;
      // Changing (say, the password of) a user of a higher clearance would be a way up: refused.
      assertNotAbove(own, (await deps.users.get(request.params.username)).clearance, 'user');
      assertNotAbove(own, request.body.clearance, 'user');
      const updated = await deps.users.update(request.params.username, request.body);
      accounts.forget(request.params.username);
      return updated;
    },
  );

  app.get<{ Querystring: { endpoint?: string; from?: number; to?: number; offset: number; limit: number } }>(
    '/api/anomalies',
    {
      preValidation: readers,
      schema: {
        ...secured,
        tags: ['anomalies'],
        summary: 'Anomalies from the AnomalyStore, by endpoint and collection time (Unix seconds)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQuerySchema.properties,
            endpoint: { type: 'string', minLength: 1, maxLength: 128 },
            from: { type: 'integer', minimum: 0 },
            to: { type: 'integer', minimum: 0 },
          },
        },
        response: {
          200: {
            type: 'object',
            description: 'Anomalies of the endpoints the caller may see (clearance); `total` when known',
            properties: { total: { type: 'integer' }, items: { type: 'array', items: anomalySchema } },
            required: ['items'],
          },
          ...errorResponses(...SECURED_ERRORS, 503),
        },
      },
    },
    async (request) => {
      const { endpoint, from, to, offset, limit } = request.query;
      const claims = claimsOf(request);
      if (endpoint !== undefined) await app.clearance.assertMay(claims, endpoint);
      const visible = app.clearance.visibleTo(claims);
      const page =
        endpoint !== undefined || claims.clearance >= MAX_CLEARANCE
          ? await deps.anomalies.query({ endpoint, from, to, offset, limit })
          : await visiblePage((o, l) => deps.anomalies.query({ from, to, offset: o, limit: l }), (a) => visible(a.endpoint), offset, limit);
      return { items: page.items, ...(page.total !== undefined ? { total: page.total } : {}) };
    },
  );

  app.post<{ Body: { endpoint: string; collectedAt?: number; severity: number; kind: string; value?: string } }>(
    '/api/anomalies',
    {
      preValidation: reporters,
      schema: {
        ...secured,
        tags: ['anomalies'],
        summary: 'Append an anomaly (202 when kept in the outbox while the chain is down)',
        body: {
          type: 'object',
          required: ['endpoint', 'severity', 'kind'],
          additionalProperties: false,
          properties: {
            endpoint: { type: 'string', minLength: 1, maxLength: 128 },
            collectedAt: { type: 'integer', minimum: 0 },
            severity: { type: 'integer', minimum: 0, maximum: 255 },
            kind: { type: 'string', minLength: 1, maxLength: 64 },
            value: { type: 'string', maxLength: 1024 },
          },
        },
        response: {
          201: { type: 'object', description: 'On the chain', properties: { id: { type: 'integer' }, committed: { type: 'boolean' } }, required: ['committed'], example: { id: 337, committed: true } },
          202: { type: 'object', description: 'Kept durably in the outbox; sent when the chain is back', properties: { committed: { type: 'boolean' } }, required: ['committed'], example: { committed: false } },
          ...errorResponses(...SECURED_ERRORS, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const claims = claimsOf(request);
      const needed = await deps.endpoints.clearanceOf(b.endpoint);
      if (needed === undefined) throw new Lwm2mServerError('SRV_UNKNOWN_ENDPOINT', `unknown endpoint ${b.endpoint}`, { details: { endpoint: b.endpoint } });
      await app.clearance.assertMay(claims, b.endpoint);
      const result = await deps.anomalies.append({
        endpoint: b.endpoint,
        collectedAt: b.collectedAt ?? Math.floor((deps.nowSec ?? (() => Date.now() / 1000))()),
        severity: b.severity,
        kind: b.kind,
        value: b.value ?? '',
      });
      return reply.status(result.committed ? 201 : 202).send(result);
    },
  );
}
