import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { UserRoles, type UserRole } from '@chainm2m/lwm2m';
import { ApiError, ApiErrorCode } from './ApiError.js';

/** How tokens are signed: a shared HS256 secret, or an ES256 key pair (PEM). */
export type JwtKeys =
  | { readonly algorithm: 'HS256'; readonly secret: string }
  | { readonly algorithm: 'ES256'; readonly privateKeyPem: string; readonly publicKeyPem: string };

export interface JwtConfig {
  readonly keys: JwtKeys;
  readonly issuer: string;
  readonly audience: string;
  /** Token lifetime in seconds. */
  readonly expiresInSec: number;
}

/** The claims the API relies on. */
export interface TokenClaims {
  readonly sub: string;
  readonly role: UserRole;
  readonly clearance: number;
  /** Stamp of the user's credentials when the token was issued (claim `pwv`): a new password makes it stale. */
  readonly stamp: string;
}

/** Loads ES256 keys from PEM files (`privateKeyFile` holds the private key, `publicKeyFile` its public key). */
export function es256KeysFromFiles(privateKeyFile: string, publicKeyFile: string): JwtKeys {
  return { algorithm: 'ES256', privateKeyPem: readFileSync(privateKeyFile, 'utf8'), publicKeyPem: readFileSync(publicKeyFile, 'utf8') };
}

/**
 * Signs and verifies API tokens. Verification accepts exactly the configured algorithm (never
 * `none`). Keys are parsed once into KeyObjects: handed a string, jsonwebtoken first tries to parse
 * it as a public key on every call, which cost ~0.5 ms of CPU per request.
 */
export class TokenIssuer {
  private readonly signKey: KeyObject;
  private readonly verifyKey: KeyObject;
  /**
   * Tokens already verified, with their expiry: a hit costs a Map lookup instead of a signature
   * check. Only the exact token string that passed verification hits; expiry is checked on every
   * hit. Bounded: the oldest entry goes first.
   */
  private readonly verified = new Map<string, { readonly claims: TokenClaims; readonly exp: number }>();
  static readonly VERIFIED_CACHE_SIZE = 10_000;

  constructor(private readonly config: JwtConfig) {
    const { keys } = config;
    if (keys.algorithm === 'HS256') {
      if (Buffer.byteLength(keys.secret) < 32) throw new ApiError(ApiErrorCode.BadRequest, 'the HS256 JWT secret must be at least 32 bytes');
      this.signKey = this.verifyKey = createSecretKey(Buffer.from(keys.secret, 'utf8'));
    } else {
      this.signKey = createPrivateKey(keys.privateKeyPem);
      this.verifyKey = createPublicKey(keys.publicKeyPem);
    }
  }

  sign(claims: TokenClaims, nowSec: number): string {
    return jwt.sign({ role: claims.role, clearance: claims.clearance, pwv: claims.stamp, iat: Math.floor(nowSec) }, this.signKey, {
      algorithm: this.config.keys.algorithm,
      subject: claims.sub,
      issuer: this.config.issuer,
      audience: this.config.audience,
      expiresIn: this.config.expiresInSec,
    });
  }

  get expiresInSec(): number {
    return this.config.expiresInSec;
  }

  /** Throws `ApiError(API_UNAUTHORIZED)` for anything but a valid, unexpired token of ours. */
  verify(token: string, nowSec: number): TokenClaims {
    const hit = this.verified.get(token);
    if (hit) {
      if (nowSec < hit.exp) return hit.claims;
      this.verified.delete(token);
      throw new ApiError(ApiErrorCode.Unauthorized, 'token expired');
    }
    return this.verifySignature(token, nowSec);
  }

  private verifySignature(token: string, nowSec: number): TokenClaims {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.verifyKey, {
        algorithms: [this.config.keys.algorithm],
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTimestamp: Math.floor(nowSec),
      });
    } catch (err) {
      const reason = err instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token';
      throw new ApiError(ApiErrorCode.Unauthorized, reason, { cause: err });
    }
    if (typeof payload === 'string') throw new ApiError(ApiErrorCode.Unauthorized, 'invalid token');
    const { sub, role, clearance, pwv, exp } = payload as jwt.JwtPayload & { role?: unknown; clearance?: unknown; pwv?: unknown };
    // A token that never expires is refused, whoever signed it.
    if (typeof exp !== 'number') throw new ApiError(ApiErrorCode.Unauthorized, 'token has no expiry (exp)');
    if (typeof sub !== 'string' || !UserRoles.includes(role as UserRole) || typeof clearance !== 'number' || typeof pwv !== 'string') {
      throw new ApiError(ApiErrorCode.Unauthorized, 'token lacks the role, clearance or credential claim');
    }
    const claims: TokenClaims = { sub, role: role as UserRole, clearance, stamp: pwv };
    if (this.verified.size >= TokenIssuer.VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { claims, exp });
    return claims;
  }
}
