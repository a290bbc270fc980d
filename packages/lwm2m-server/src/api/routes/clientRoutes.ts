import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registration } from '@chainm2m/lwm2m';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import type { DeviceApi, DeviceCallOptions } from '../ApiDeps.js';
import { claimsOf, requireRole } from '../auth.js';
import { errorSchema, pageQuerySchema, registrationSchema } from '../schemas.js';

/** How a registration is shown by `/api/clients`. */
export function registrationView(r: Registration): Record<string, unknown> {
  return {
    endpoint: r.endpoint,
    registrationId: r.id,
    lifetime: r.lifetime,
    lwm2mVersion: r.lwm2mVersion,
    binding: r.binding,
    queueMode: r.queueMode,
    rootPath: r.rootPath,
    objectLinks: r.objectLinks.map((l) => ({ path: l.path, ...(l.version ? { version: l.version } : {}) })),
    address: `${r.address.address}:${r.address.port}`,
    secure: r.identity !== undefined,
    ...(r.identity !== undefined ? { identity: r.identity } : {}),
    registeredAt: new Date(r.registeredAt).toISOString(),
    lastUpdateAt: new Date(r.lastUpdateAt).toISOString(),
  };
}

const idParam = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const LEVELS = [
  { suffix: '/:object', params: ['object'] },
  { suffix: '/:object/:instance', params: ['object', 'instance'] },
  { suffix: '/:object/:instance/:resource', params: ['object', 'instance', 'resource'] },
  { suffix: '/:object/:instance/:resource/:resourceInstance', params: ['object', 'instance', 'resource', 'resourceInstance'] },
] as const;

type PathParams = { ep: string; object: number; instance?: number; resource?: number; resourceInstance?: number };
export type CallQuery = { format?: string; timeout?: number; replace?: boolean; active?: boolean } & Record<string, unknown>;

const FORMATS: Record<string, number> = {
  text: 0,
  opaque: 42,
  link: 40,
  tlv: 11542,
  json: 11543,
  'senml-json': 110,
  'senml-cbor': 112,
  cbor: 60,
};

const callQuery = {
  type: 'object',
  properties: {
    format: { type: 'string', description: `content format: ${Object.keys(FORMATS).join(', ')} or a number` },
    timeout: { type: 'integer', minimum: 100, maximum: 300_000, description: 'deadline in milliseconds' },
  },
} as const;

function lwm2mPath(p: PathParams): string {
  return ['', p.object, p.instance, p.resource, p.resourceInstance].filter((x) => x !== undefined).join('/');
}

export function callOptions(q: CallQuery): DeviceCallOptions {
  let format: number | undefined;
  if (q.format !== undefined) {
    format = FORMATS[q.format] ?? (/^\d+$/.test(q.format) ? Number(q.format) : undefined);
    if (format === undefined) {
      throw new ApiError(ApiErrorCode.BadRequest, `querystring/format: unknown content format ${q.format}`, { details: { field: 'querystring/format' } });
    }
  }
  return { format, timeoutMs: q.timeout };
}

/** Device routes, familiar to Leshan users. Device operations also need clearance >= the device's. */
export async function clientRoutes(app: FastifyInstance, devices: DeviceApi): Promise<void> {
  const readers = requireRole('user', 'application');
  const operators = requireRole('application');

  const checkClearance = async (request: FastifyRequest<{ Params: PathParams }>): Promise<void> => {
    const needed = await devices.clearanceOf(request.params.ep);
    const claims = claimsOf(request);
    if (claims.clearance < needed) {
      throw new ApiError(ApiErrorCode.Forbidden, `clearance ${claims.clearance} is below the ${needed} that ${request.params.ep} requires`);
    }
  };

  app.get<{ Querystring: { offset: number; limit: number } }>(
    '/api/clients',
    {
      preValidation: readers,
      schema: {
        tags: ['clients'],
        summary: 'Registered LwM2M clients',
        security: [{ bearer: [] }],
        querystring: pageQuerySchema,
        response: { 200: { type: 'object', properties: { total: { type: 'integer' }, items: { type: 'array', items: registrationSchema } } } },
      },
    },
    async (request) => {
      const page = await devices.listClients(request.query.offset, request.query.limit);
      return { total: page.total, items: page.items.map(registrationView) };
    },
  );

  app.get<{ Params: { ep: string } }>(
    '/api/clients/:ep',
    {
      preValidation: readers,
      schema: {
        tags: ['clients'],
        summary: 'One registered client',
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { ep: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['ep'] },
        response: { 200: registrationSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const r = await devices.getClient(request.params.ep);
      if (!r) throw new ApiError(ApiErrorCode.NotFound, `${request.params.ep} is not registered`);
      return registrationView(r);
    },
  );

  for (const level of LEVELS) {
    const params = {
      type: 'object',
      properties: { ep: { type: 'string', minLength: 1, maxLength: 128 }, ...Object.fromEntries(level.params.map((p) => [p, idParam])) },
      required: ['ep', ...level.params],
    };
    const url = `/api/clients/:ep${level.suffix}`;
    const base = { tags: ['device management'], security: [{ bearer: [] }], params };
    const depth = level.params.length;

    app.get<{ Params: PathParams; Querystring: CallQuery }>(
      url,
      { preValidation: [readers, checkClearance], schema: { ...base, summary: 'Read', querystring: callQuery } },
      async (request) => ({ content: await devices.read(request.params.ep, lwm2mPath(request.params), callOptions(request.query)) }),
    );

    if (depth >= 2) {
      app.put<{ Params: PathParams; Querystring: CallQuery; Body: { content: unknown } }>(
        url,
        {
          preValidation: [operators, checkClearance],
          schema: {
            ...base,
            summary: 'Write (replace; ?replace=false for a partial update)',
            querystring: { type: 'object', properties: { ...callQuery.properties, replace: { type: 'boolean', default: true } } },
            body: { type: 'object', required: ['content'], properties: { content: {} } },
          },
        },
        async (request, reply) => {
          await devices.write(request.params.ep, lwm2mPath(request.params), request.body.content, {
            ...callOptions(request.query),
            replace: request.query.replace !== false,
          });
          return reply.status(204).send();
        },
      );
    }

    if (depth === 1 || depth === 3) {
      app.post<{ Params: PathParams; Querystring: CallQuery; Body: { content?: unknown; args?: string } | undefined }>(
        url,
        {
          preValidation: [operators, checkClearance],
          schema: {
            ...base,
            summary: depth === 1 ? 'Create an object instance' : 'Execute (optional args)',
            querystring: callQuery,
            body: { type: 'object', properties: { content: {}, args: { type: 'string', maxLength: 1024 } }, nullable: true },
          },
        },
        async (request, reply) => {
          const path = lwm2mPath(request.params);
          if (depth === 1) {
            if (request.body?.content === undefined) throw new ApiError(ApiErrorCode.BadRequest, 'body/content: required to create an instance', { details: { field: 'body/content' } });
            const created = await devices.create(request.params.ep, path, request.body.content, callOptions(request.query));
            return reply.status(201).send(created);
          }
          await devices.execute(request.params.ep, path, request.body?.args, callOptions(request.query));
          return reply.status(204).send();
        },
      );
    }

    if (depth === 2) {
      app.delete<{ Params: PathParams; Querystring: CallQuery }>(
        url,
        { preValidation: [operators, checkClearance], schema: { ...base, summary: 'Delete an object instance', querystring: callQuery } },
        async (request, reply) => {
          await devices.delete(request.params.ep, lwm2mPath(request.params), callOptions(request.query));
          return reply.status(204).send();
        },
      );
    }

    if (depth <= 3) {
      app.get<{ Params: PathParams; Querystring: CallQuery }>(
        `${url}/discover`,
        { preValidation: [readers, checkClearance], schema: { ...base, summary: 'Discover', querystring: callQuery } },
        async (request) => ({ links: await devices.discover(request.params.ep, lwm2mPath(request.params), callOptions(request.query)) }),
      );
      app.put<{ Params: PathParams; Querystring: CallQuery }>(
        `${url}/attributes`,
        {
          preValidation: [operators, checkClearance],
          schema: {
            ...base,
            summary: 'Write-Attributes (pmin, pmax, gt, lt, st, epmin, epmax as query parameters)',
            querystring: {
              type: 'object',
              additionalProperties: false,
              properties: {
                ...callQuery.properties,
                pmin: { type: 'integer', minimum: 0 },
                pmax: { type: 'integer', minimum: 0 },
                gt: { type: 'number' },
                lt: { type: 'number' },
                st: { type: 'number', minimum: 0 },
                epmin: { type: 'integer', minimum: 0 },
                epmax: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
        async (request, reply) => {
          const { format: _f, timeout: _t, ...attrs } = request.query;
          const attributes = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)]));
          if (Object.keys(attributes).length === 0) throw new ApiError(ApiErrorCode.BadRequest, 'querystring: give at least one attribute', { details: { field: 'querystring' } });
          await devices.writeAttributes(request.params.ep, lwm2mPath(request.params), attributes, callOptions(request.query));
          return reply.status(204).send();
        },
      );
      app.post<{ Params: PathParams; Querystring: CallQuery }>(
        `${url}/observe`,
        { preValidation: [operators, checkClearance], schema: { ...base, summary: 'Observe; notifications arrive on /api/events', querystring: callQuery } },
        async (request) => ({ content: await devices.observe(request.params.ep, lwm2mPath(request.params), callOptions(request.query)) }),
      );
      app.delete<{ Params: PathParams; Querystring: CallQuery }>(
        `${url}/observe`,
        {
          preValidation: [operators, checkClearance],
          schema: { ...base, summary: 'Cancel an observation (?active=true sends a cancelling GET)', querystring: { type: 'object', properties: { ...callQuery.properties, active: { type: 'boolean', default: false } } } },
        },
        async (request, reply) => {
          await devices.cancelObserve(request.params.ep, lwm2mPath(request.params), { ...callOptions(request.query), active: request.query.active === true });
          return reply.status(204).send();
        },
      );
    }
  }
}
