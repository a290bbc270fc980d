import type { FastifyInstance } from 'fastify';
import type { EndpointService } from '../../management/EndpointService.js';
import { endpointsFromCsv } from '../../management/endpointCsv.js';
import { parsePsk } from '../../management/validation.js';
import { requireRole } from '../auth.js';
import { errorResponses, SECURED_ERRORS } from '../schemas.js';

const keysSchema = {
  type: 'object',
  description: 'The keys, shown once: they are stored only sealed.',
  properties: { endpoint: { type: 'string' }, identity: { type: 'string' }, pskHex: { type: 'string' }, bsIdentity: { type: 'string' }, bsPskHex: { type: 'string' } },
} as const;

const MAX_CSV_BYTES = 4 * 1024 * 1024;

/**
 * Endpoint key rotation and bulk import (the CLI's `endpoints rotate` and `endpoints import`, same
 * services): `POST /api/endpoints/:ep/rotate`, `POST /api/endpoints/import` with a `text/csv` body.
 */
export async function endpointBulkRoutes(app: FastifyInstance, endpoints: EndpointService): Promise<void> {
  const admin = requireRole('admin');
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));

  app.post<{ Params: { ep: string }; Body: { pskHex?: string; pskText?: string; bsPskHex?: string; bsPskText?: string } | undefined }>(
    '/api/endpoints/:ep/rotate',
    {
      preValidation: admin,
      schema: {
        security: [{ bearer: [] }],
        tags: ['endpoints'],
        summary: 'Rotate an endpoint\'s keys (new keys generated unless given); its sessions are dropped',
        params: { type: 'object', properties: { ep: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['ep'] },
        body: {
          type: 'object',
          nullable: true,
          additionalProperties: false,
          properties: { pskHex: { type: 'string' }, pskText: { type: 'string' }, bsPskHex: { type: 'string' }, bsPskText: { type: 'string' } },
        },
        response: { 200: { ...keysSchema, description: 'The new keys, shown once' }, ...errorResponses(...SECURED_ERRORS, 404, 503) },
      },
    },
    async (request, reply) => {
      const b = request.body ?? {};
      const secrets = await endpoints.rotate(request.params.ep, {
        psk: parsePsk({ hex: b.pskHex, text: b.pskText }, { hex: 'body/pskHex', text: 'body/pskText' }),
        bsPsk: parsePsk({ hex: b.bsPskHex, text: b.bsPskText }, { hex: 'body/bsPskHex', text: 'body/bsPskText' }),
      });
      return reply.header('cache-control', 'no-store').send(secrets);
    },
  );

  app.post<{ Body: string; Querystring: { lineOffset: number; batch: number } }>(
    '/api/endpoints/import',
    {
      preValidation: admin,
      schema: {
        security: [{ bearer: [] }],
        tags: ['endpoints'],
        summary: 'Import endpoints from CSV (columns as `chainm2m endpoints import`); bad lines are reported, the rest imported',
        consumes: ['text/csv'],
        body: { type: 'string', maxLength: MAX_CSV_BYTES, description: 'the CSV file: a header line, then one endpoint a line' },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            lineOffset: { type: 'integer', minimum: 0, default: 0, description: 'added to reported line numbers when a file is sent in parts' },
            batch: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
          },
        },
        response: {
          200: {
            description: 'What was added (with its keys, shown once), what was already there, and each refused line',
            type: 'object',
            properties: {
              added: { type: 'array', items: keysSchema },
              skipped: { type: 'array', items: { type: 'string' } },
              failed: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, endpoint: { type: 'string' }, reason: { type: 'string' } } } },
            },
          },
          ...errorResponses(...SECURED_ERRORS, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const parsed = endpointsFromCsv(typeof request.body === 'string' ? request.body : '', request.query.lineOffset);
      const result = await endpoints.createMany(parsed.inputs, { batchSize: request.query.batch });
      const failed = [...parsed.failed, ...result.failed.map((f) => ({ line: parsed.lines[f.index] ?? 0, endpoint: f.endpoint, reason: f.reason }))].sort((a, b) => a.line - b.line);
      return reply.header('cache-control', 'no-store').send({ added: result.created, skipped: result.skipped, failed });
    },
  );
}
