import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

/**
 * Content-Security-Policy of every route: only the app's own origin (the web console will be
 * served at `/` from this app), no framing, no plugins, no inline script or style.
 */
export const APP_CSP = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'"],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
} as const;

/**
 * The Swagger UI at `/docs` loads only its own files, but sets inline styles and data: images
 * (icons); the validator badge is off so it calls nothing outside.
 */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

/**
 * Security headers on every route, errors and 404s included (helmet): CSP, `X-Content-Type-Options:
 * nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`, cross-origin isolation
 * headers, HSTS (ignored by browsers over plain HTTP, kept for a TLS front end). Register before
 * any route: helmet hooks every route added after it.
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { ...APP_CSP } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
