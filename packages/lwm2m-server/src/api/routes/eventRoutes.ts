import type { FastifyInstance } from 'fastify';
import type { Clock } from '@chainm2m/lwm2m';
import { API_EVENT_TYPES, type ApiEvent, type ApiEventSource, type ApiEventType } from '../ApiDeps.js';
import { claimsOf, requireRole } from '../auth.js';
import { errorResponses, SECURED_ERRORS } from '../schemas.js';

const TYPES: readonly ApiEventType[] = API_EVENT_TYPES;
const HEARTBEAT_MS = 15_000;
/** A subscriber that falls this far behind is cut off instead of buffering without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a stream remembers an endpoint's clearance. */
const CLEARANCE_MEMO_MS = 5_000;

/** `GET /api/events`: server-sent events (registration, update, deregistration, notification, anomaly, bootstrap-failed). */
export async function eventRoutes(app: FastifyInstance, events: ApiEventSource, clock: Clock): Promise<void> {
  // Open streams end when the API closes, so a stop never waits for an event-stream client to leave.
  const open = new Set<{ end(): void }>();
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });
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
        response: {
          200: {
            description: 'A stream of `event: <type>` / `data: {"endpoint": ..., ...}` messages, only of endpoints the caller may see',
            content: { 'text/event-stream': { schema: { type: 'string', example: 'id: 1\nevent: notification\ndata: {"endpoint":"urn:imei:356938035643809","paths":["/3303/0/5700"],"content":21.5}\n\n' } } },
          },
          ...errorResponses(...SECURED_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const wanted = new Set((request.query.types ?? TYPES.join(',')).split(',').filter((t): t is ApiEventType => (TYPES as readonly string[]).includes(t)));
      const endpoint = request.query.endpoint;
      const claims = claimsOf(request);
      if (endpoint !== undefined) await app.clearance.assertMay(claims, endpoint);
      // Each event is shown only if the caller's clearance covers its endpoint; lookups are
      // remembered for a few seconds and events leave in the order they came.
      const visible = app.clearance.visibleTo(claims, { now: () => clock.now(), memoMs: CLEARANCE_MEMO_MS });
      let queue: Promise<void> = Promise.resolve();
      // The security headers set by the hooks so far, which a hijacked reply would not send.
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
      Object.assign(headers, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      if (request.method === 'HEAD') {
        // HEAD answers the stream's headers at once and ends: there is no stream to wait for.
        return reply.headers(headers).status(200).send();
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, headers);
      raw.write(': connected\n\n');
      let id = 0;
      let heartbeat: { cancel(): void } | undefined;
      const beat = (): void => {
        raw.write(': keep-alive\n\n');
        heartbeat = clock.setTimer(HEARTBEAT_MS, beat);
      };
      heartbeat = clock.setTimer(HEARTBEAT_MS, beat);
      const send = (event: ApiEvent): void => {
        if (raw.destroyed) return;
        if (raw.writableLength > MAX_BUFFERED_BYTES) {
          raw.destroy();
          return;
        }
        id += 1;
        raw.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify({ endpoint: event.endpoint, ...event.data })}\n\n`);
      };
      const unsubscribe = events.subscribe((event) => {
        if (!wanted.has(event.type) || (endpoint !== undefined && event.endpoint !== endpoint)) return;
        queue = queue.then(async () => {
          if (await visible(event.endpoint)) send(event);
        }).catch((err: unknown) => {
          // A failed clearance lookup hides the event (never shows it) and is logged.
          request.log.warn({ err, endpoint: event.endpoint }, 'event withheld: clearance lookup failed');
        });
      });
      const stop = (): void => {
        unsubscribe();
        heartbeat?.cancel();
        open.delete(raw);
      };
      open.add(raw);
      raw.on('close', stop);
      raw.on('error', stop);
    },
  );
}
