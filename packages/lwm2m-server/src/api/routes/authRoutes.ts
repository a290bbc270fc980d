import type { FastifyInstance } from 'fastify';
import type { UserService } from '../../management/UserService.js';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import type { TokenIssuer } from '../jwt.js';
import type { LoginRateLimiter } from '../LoginRateLimiter.js';
import type { Metrics } from '../metrics.js';
import { errorResponses } from '../schemas.js';

interface LoginBody {
  username: string;
  password: string;
}

export async function authRoutes(
  app: FastifyInstance,
  deps: { users: UserService; issuer: TokenIssuer; limiter: LoginRateLimiter; metrics: Metrics; nowSec: () => number },
): Promise<void> {
  app.post<{ Body: LoginBody }>(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a username and password for a JWT',
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: {
          200: {
            type: 'object',
            description: 'A bearer token for the other routes',
            required: ['token', 'tokenType', 'expiresIn', 'role', 'clearance'],
            example: { token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...', tokenType: 'Bearer', expiresIn: 3600, role: 'application', clearance: 10 },
            properties: {
              token: { type: 'string' },
              tokenType: { type: 'string' },
              expiresIn: { type: 'integer' },
              role: { type: 'string' },
              clearance: { type: 'integer' },
            },
          },
          ...errorResponses(400, 401, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      // Reserved before the (asynchronous) password check, so parallel guesses cannot outrun the limit.
      const attempt = deps.limiter.reserve(username, request.ip);
      if ('retryAfterMs' in attempt) {
        const sec = Math.ceil(attempt.retryAfterMs / 1000);
        throw new ApiError(ApiErrorCode.RateLimited, `too many failed logins; retry in ${sec} s`, { details: { retryAfterSec: sec } });
      }
      let account;
      try {
        account = await deps.users.authenticate(username, password);
      } catch (err) {
        attempt.succeeded(); // not a wrong guess: the directory failed; do not count it against the user
        throw err;
      }
      if (!account) {
        attempt.failed();
        deps.metrics.inc('chainm2m_login_failures_total');
        throw new ApiError(ApiErrorCode.Unauthorized, 'wrong username or password');
      }
      attempt.succeeded();
      const user = account.view;
      const token = deps.issuer.sign({ sub: user.username, role: user.role, clearance: user.clearance, stamp: account.stamp }, deps.nowSec());
      return { token, tokenType: 'Bearer', expiresIn: deps.issuer.expiresInSec, role: user.role, clearance: user.clearance };
    },
  );
}
