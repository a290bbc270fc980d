import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import { claimsOf, requireRole } from '../auth.js';
import type { DeviceDataApi } from '../deviceDataApi.js';
import { errorSchema } from '../schemas.js';
import { callOptions, type CallQuery } from './clientRoutes.js';

const epParams = { type: 'object', properties: { ep: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['ep'] } as const;
const formatProperties = {
  format: { type: 'string', description: 'senml-json or senml-cbor (or 110 / 112)' },
  timeout: { type: 'integer', minimum: 100, maximum: 300_000, description: 'deadline in milliseconds' },
} as const;
const errors = { 400: errorSchema, 403: errorSchema, 404: errorSchema, 502: errorSchema, 504: errorSchema } as const;
/** Composite content: `[{ "path": "/3/0/1", "node": {…} }]`, or the raw payload when it does not decode. */
const contentSchema = { description: 'nodes by path, or {contentFormat, payloadHex, decodeError}' } as const;

const pathsQuery = {
  type: 'object',
  required: ['paths'],
  properties: { ...formatProperties, paths: { type: 'string', minLength: 2, maxLength: 4096, description: 'comma-separated LwM2M paths, e.g. /3/0/1,/1/0/1' } },
} as const;

function pathList(text: string): string[] {
  const list = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (list.length === 0 || list.length > 100) throw new ApiError(ApiErrorCode.BadRequest, 'querystring/paths: give 1 to 100 paths', { details: { field: 'querystring/paths' } });
  return list;
}

/**
 * Composite operations (LwM2M 1.1), in the shape of Leshan's demo server:
 * `GET /api/clients/:ep/composite?paths=/3/0/1,/1/0/1` (Read-Composite), `POST …/composite/observe?paths=`
 * (Observe-Composite; notifications on /api/events), `DELETE …/composite/observe/:id`, and
 * `PUT …/composite` with `{"values": {"/3/0/15": "UTC"}}` (Write-Composite).
 */
export async function compositeRoutes(app: FastifyInstance, data: DeviceDataApi): Promise<void> {
  const readers = requireRole('user', 'application');
  const operators = requireRole('application');
  const checkClearance = async (request: FastifyRequest<{ Params: { ep: string } }>): Promise<void> => {
    const needed = await data.clearanceOf(request.params.ep);
    const claims = claimsOf(request);
    if (claims.clearance < needed) throw new ApiError(ApiErrorCode.Forbidden, `clearance ${claims.clearance} is below the ${needed} that ${request.params.ep} requires`);
  };
  const base = { tags: ['device management'], security: [{ bearer: [] }], params: epParams };

  app.get<{ Params: { ep: string }; Querystring: CallQuery & { paths: string } }>(
    '/api/clients/:ep/composite',
    { preValidation: [readers, checkClearance], schema: { ...base, summary: 'Read-Composite', querystring: pathsQuery, response: { 200: { type: 'object', properties: { content: contentSchema } }, ...errors } } },
    async (request) => ({ content: await data.readComposite(request.params.ep, pathList(request.query.paths), callOptions(request.query)) }),
  );

  app.post<{ Params: { ep: string }; Querystring: CallQuery & { paths: string } }>(
    '/api/clients/:ep/composite/observe',
    { preValidation: [operators, checkClearance], schema: {
        ...base,
        summary: 'Observe-Composite; notifications arrive on /api/events',
        querystring: pathsQuery,
        response: { 200: { type: 'object', properties: { content: contentSchema, observationId: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => await data.observeComposite(request.params.ep, pathList(request.query.paths), callOptions(request.query)),
  );

  app.delete<{ Params: { ep: string; id: string }; Querystring: { active?: boolean } }>(
    '/api/clients/:ep/composite/observe/:id',
    {
      preValidation: [operators, checkClearance],
      schema: {
        ...base,
        summary: 'Cancel a composite observation (?active=true sends a cancelling FETCH)',
        params: { type: 'object', properties: { ep: epParams.properties.ep, id: { type: 'string', pattern: '^[0-9a-f]{16}$' } }, required: ['ep', 'id'] },
        querystring: { type: 'object', properties: { active: { type: 'boolean', default: false } } },
        response: { 204: { type: 'null', description: 'cancelled' }, ...errors },
      },
    },
    async (request, reply) => {
      await data.cancelCompositeObservation(request.params.ep, request.params.id, { active: request.query.active === true });
      return reply.status(204).send();
    },
  );

  app.put<{ Params: { ep: string }; Querystring: CallQuery; Body: { values: Record<string, unknown> } }>(
    '/api/clients/:ep/composite',
    {
      preValidation: [operators, checkClearance],
      schema: {
        ...base,
        summary: 'Write-Composite: {"values": {"/3/0/15": "UTC", "/3303/0/5750": "lab"}}',
        querystring: { type: 'object', properties: formatProperties },
        body: { type: 'object', required: ['values'], additionalProperties: false, properties: { values: { type: 'object', minProperties: 1, maxProperties: 100 } } },
        response: { 204: { type: 'null', description: 'written' }, ...errors },
      },
    },
    async (request, reply) => {
      await data.writeComposite(request.params.ep, request.body.values, callOptions(request.query));
      return reply.status(204).send();
    },
  );
}
