import type { FastifyInstance } from 'fastify';
import type { ObjectModel, ObjectRegistry } from '@chainm2m/lwm2m';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import { requireRole } from '../auth.js';
import { errorResponses, SECURED_ERRORS } from '../schemas.js';

const resourceModelSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    operations: { type: 'string', description: "'', R, W, RW or E" },
    multiple: { type: 'boolean' },
    mandatory: { type: 'boolean' },
    type: { type: 'string' },
    units: { type: 'string' },
    description: { type: 'string' },
  },
} as const;

const objectModelSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    version: { type: 'string' },
    multiple: { type: 'boolean' },
    mandatory: { type: 'boolean' },
    description: { type: 'string' },
    resources: { type: 'array', items: resourceModelSchema },
  },
} as const;

/** An object model in the API's JSON form (resources as a list, in id order). */
export function objectModelView(m: ObjectModel): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    multiple: m.multiple,
    mandatory: m.mandatory,
    ...(m.description ? { description: m.description } : {}),
    resources: [...m.resources.values()]
      .sort((a, b) => a.id - b.id)
      .map((r) => ({
        id: r.id,
        name: r.name,
        operations: r.operations,
        multiple: r.multiple,
        mandatory: r.mandatory,
        type: r.type,
        ...(r.units ? { units: r.units } : {}),
        ...(r.description ? { description: r.description } : {}),
      })),
  };
}

/** `GET /api/objects[/:id]`: the object models the server knows (built-in and loaded DDF files). */
export async function modelRoutes(app: FastifyInstance, objects: ObjectRegistry): Promise<void> {
  const readers = requireRole('user', 'application');
  app.get(
    '/api/objects',
    {
      preValidation: readers,
      schema: {
        tags: ['objects'],
        summary: 'Object models known to the server',
        security: [{ bearer: [] }],
        response: { 200: { description: 'The object models, by id', type: 'object', properties: { items: { type: 'array', items: objectModelSchema } } }, ...errorResponses(...SECURED_ERRORS) },
      },
    },
    async () => ({ items: objects.all().sort((a, b) => a.id - b.id).map(objectModelView) }),
  );
  app.get<{ Params: { id: number } }>(
    '/api/objects/:id',
    {
      preValidation: readers,
      schema: {
        tags: ['objects'],
        summary: 'One object model',
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 0, maximum: 65535 } }, required: ['id'] },
        response: { 200: { ...objectModelSchema, description: 'The object model' }, ...errorResponses(...SECURED_ERRORS, 404) },
      },
    },
    async (request) => {
      const m = objects.get(request.params.id);
      if (!m) throw new ApiError(ApiErrorCode.NotFound, `object ${request.params.id} has no model on this server`);
      return objectModelView(m);
    },
  );
}
