import type { FastifyInstance } from 'fastify';

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

/** `APP_CSP` as a header value. */
export function cspHeader(directives: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * The headers helmet sets by default, with a strict CSP, `X-Frame-Options: DENY` and
 * `Referrer-Policy: no-referrer`. HSTS is ignored by browsers over plain HTTP and kept for a TLS
 * front end.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': cspHeader(APP_CSP),
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/**
 * Security headers on every route, errors and 404s included: helmet's set, computed once and
 * added by one `onRequest` hook (@fastify/helmet builds them per request, which cost ~40% of the
 * CPU of an authenticated GET in `pnpm bench api`). Add before any route or plugin: the hook
 * covers what is registered after it. `/docs` replaces the CSP with `DOCS_CSP` (swagger-ui's
 * `staticCSP`).
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    done();
  });
}
