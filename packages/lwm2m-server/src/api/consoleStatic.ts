import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * Serves the built console (`index.html` at `/`, hashed assets under `/assets/`) under the API's
 * own security headers (`securityHeaders`: a CSP of 'self' only, no framing). Hashed assets are
 * cached for good; `index.html` is revalidated.
 */
export async function consoleStatic(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(res, path) {
      void res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
