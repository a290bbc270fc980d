import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import { claimsOf, requireRole } from '../auth.js';
import type { DeviceDataApi } from '../deviceDataApi.js';
import { errorSchema } from '../schemas.js';

/** `GET /api/clients/:ep/data[?path=]`: the latest values the client pushed with Send. */
export async function dataRoutes(app: FastifyInstance, data: DeviceDataApi): Promise<void> {
  const checkClearance = async (request: FastifyRequest<{ Params: { ep: string } }>): Promise<void> => {
    const needed = await data.clearanceOf(request.params.ep);
    const claims = claimsOf(request);
    if (claims.clearance < needed) throw new ApiError(ApiErrorCode.Forbidden, `clearance ${claims.clearance} is below the ${needed} that ${request.params.ep} requires`);
  };
  app.get<{ Params: { ep: string }; Querystring: { path?: string } }>(
    '/api/clients/:ep/data',
    {
      preValidation: [requireRole('user', 'application'), checkClearance],
      schema: {
        tags: ['device management'],
        summary: 'Latest values the client sent (LwM2M Send), at or below ?path=',
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { ep: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['ep'] },
        querystring: { type: 'object', additionalProperties: false, properties: { path: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              values: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { path: { type: 'string' }, node: {}, time: { type: 'string', format: 'date-time' }, receivedAt: { type: 'string', format: 'date-time' } },
                },
              },
            },
          },
          400: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => ({ values: await data.latest(request.params.ep, request.query.path) }),
  );
}
