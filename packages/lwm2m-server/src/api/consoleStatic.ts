import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The web console's content security policy: everything from this origin, nothing from elsewhere
 * (no CDN, no fonts, no inline script), and no framing.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Serves the built console (`index.html` at `/`, hashed assets under `/assets/`). */
export async function consoleStatic(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', CONSOLE_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('x-frame-options', 'DENY');
      void reply.header('referrer-policy', 'no-referrer');
      return payload;
    });
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      setHeaders(res, path) {
        void res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  });
}
