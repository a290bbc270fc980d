import type { FastifyInstance } from 'fastify';
import type { Clock } from '@chainm2m/lwm2m';
import { API_EVENT_TYPES, type ApiEventSource, type ApiEventType } from '../ApiDeps.js';
import { requireRole } from '../auth.js';

const TYPES: readonly ApiEventType[] = API_EVENT_TYPES;
const HEARTBEAT_MS = 15_000;
/** A subscriber that falls this far behind is cut off instead of buffering without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** `GET /api/events`: server-sent events (registration, update, deregistration, notification, anomaly, bootstrap-failed). */
export async function eventRoutes(app: FastifyInstance, events: ApiEventSource, clock: Clock): Promise<void> {
  app.get<{ Querystring: { endpoint?: string; types?: string } }>(
    '/api/events',
    {
      preValidation: requireRole('user', 'application'),
      schema: {
        tags: ['events'],
        summary: 'Server-sent events; filter with ?endpoint= and ?types=registration,notification',
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { endpoint: { type: 'string', maxLength: 128 }, types: { type: 'string', maxLength: 128 } },
        },
      },
    },
    async (request, reply) => {
      const wanted = new Set((request.query.types ?? TYPES.join(',')).split(',').filter((t): t is ApiEventType => (TYPES as readonly string[]).includes(t)));
      const endpoint = request.query.endpoint;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      raw.write(': connected\n\n');
      let id = 0;
      let heartbeat: { cancel(): void } | undefined;
      const beat = (): void => {
        raw.write(': keep-alive\n\n');
        heartbeat = clock.setTimer(HEARTBEAT_MS, beat);
      };
      heartbeat = clock.setTimer(HEARTBEAT_MS, beat);
      const unsubscribe = events.subscribe((event) => {
        if (!wanted.has(event.type) || (endpoint !== undefined && event.endpoint !== endpoint)) return;
        if (raw.writableLength > MAX_BUFFERED_BYTES) {
          raw.destroy();
          return;
        }
        id += 1;
        raw.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify({ endpoint: event.endpoint, ...event.data })}\n\n`);
      });
      const stop = (): void => {
        unsubscribe();
        heartbeat?.cancel();
      };
      raw.on('close', stop);
      raw.on('error', stop);
    },
  );
}
