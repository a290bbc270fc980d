import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRole } from '@chainm2m/lwm2m';
import { ApiError, ApiErrorCode } from './ApiError.js';
import type { AccountCheck } from './AccountCheck.js';
import type { TokenClaims, TokenIssuer } from './jwt.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the JWT hook on protected routes. */
    auth: TokenClaims | null;
  }
}

/** The `onRequest` hook of the protected context: a Bearer token of ours, of a current account, or 401. */
export function verifyBearer(issuer: TokenIssuer, accounts: AccountCheck, nowSec: () => number) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
      throw new ApiError(ApiErrorCode.Unauthorized, 'missing bearer token');
    }
    const claims = issuer.verify(header.slice('Bearer '.length).trim(), nowSec());
    const pending = accounts.check(claims);
    if (pending) await pending;
    request.auth = claims;
  };
}

/** A `preHandler` admitting only the given roles (403 otherwise). `admin` is always admitted. */
export function requireRole(...roles: UserRole[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const role = request.auth?.role;
    if (role === undefined) throw new ApiError(ApiErrorCode.Unauthorized, 'missing bearer token');
    if (role !== 'admin' && !roles.includes(role)) {
      throw new ApiError(ApiErrorCode.Forbidden, `role ${role} may not do this`, { details: { role } });
    }
  };
}

export function claimsOf(request: FastifyRequest): TokenClaims {
  if (!request.auth) throw new ApiError(ApiErrorCode.Unauthorized, 'missing bearer token');
  return request.auth;
}
