import type { FastifyRequest } from 'fastify';
import { ApiError, ApiErrorCode } from './ApiError.js';
import { claimsOf } from './auth.js';
import type { TokenClaims } from './jwt.js';

/** The highest clearance an endpoint or a user can have (the contracts store a uint8). */
export const MAX_CLEARANCE = 255;

/** The clearance an endpoint requires of a caller; 0 for an endpoint nobody registered. */
export type ClearanceLookup = (endpoint: string) => Promise<number>;

/**
 * The one place where the token's clearance meets an endpoint's: every route and the event stream
 * show a caller only endpoints (and their registrations, notifications, anomalies ...) whose
 * clearance is at or below the token's. New routes take the guard from `buildApp` and use
 * `preValidation` (routes with an `:ep` parameter), `assertMay` or `filter`/`visiblePage` for lists.
 */
export class ClearanceGuard {
  constructor(private readonly lookup: ClearanceLookup) {}

  /** 403 unless the caller may see `endpoint`. */
  async assertMay(claims: TokenClaims, endpoint: string): Promise<void> {
    const needed = await this.lookup(endpoint);
    if (claims.clearance < needed) {
      throw new ApiError(ApiErrorCode.Forbidden, `clearance ${claims.clearance} is below the ${needed} that ${endpoint} requires`, {
        details: { endpoint, clearance: claims.clearance },
      });
    }
  }

  /** A `preValidation` hook for routes with an `:ep` parameter. */
  readonly preValidation = async (request: FastifyRequest): Promise<void> => {
    const ep = (request.params as { ep?: unknown } | undefined)?.ep;
    if (typeof ep === 'string') await this.assertMay(claimsOf(request), ep);
  };

  /**
   * A predicate for one request or one stream: whether the caller may see an endpoint. Lookups are
   * remembered for `memoMs` (by the caller's clock) so a page of 1,000 rows costs one lookup per
   * endpoint; `memoMs = 0` remembers for the predicate's whole life (one request).
   */
  visibleTo(claims: TokenClaims, opts: { now?: () => number; memoMs?: number } = {}): (endpoint: string) => Promise<boolean> {
    if (claims.clearance >= MAX_CLEARANCE) return async () => true;
    const memo = new Map<string, { readonly at: number; readonly needed: number }>();
    const now = opts.now ?? (() => 0);
    const memoMs = opts.memoMs ?? 0;
    return async (endpoint) => {
      const hit = memo.get(endpoint);
      if (hit && (memoMs === 0 || now() - hit.at < memoMs)) return claims.clearance >= hit.needed;
      const needed = await this.lookup(endpoint);
      if (memo.size >= 10_000) memo.delete(memo.keys().next().value as string);
      memo.set(endpoint, { at: now(), needed });
      return claims.clearance >= needed;
    };
  }

  /** The items the caller may see, in order. */
  async filter<T>(claims: TokenClaims, items: readonly T[], endpointOf: (item: T) => string): Promise<T[]> {
    const visible = this.visibleTo(claims);
    const out: T[] = [];
    for (const item of items) if (await visible(endpointOf(item))) out.push(item);
    return out;
  }
}

/** A page of a source that is itself paged by offset and limit. */
export type PageSource<T> = (offset: number, limit: number) => Promise<{ readonly items: readonly T[]; readonly total?: number | undefined }>;

/** Rows read from the source per step while filtering. */
const SCAN_PAGE = 500;

/**
 * One page (`offset`, `limit` counted in visible rows) of a paged source filtered by `keep`. Reads
 * the source from the start in steps of 500; `total` is the number of visible rows when the
 * source was read to its end (it always is unless the scan stopped at `maxScanned` rows).
 */
export async function visiblePage<T>(
  source: PageSource<T>,
  keep: (item: T) => Promise<boolean>,
  offset: number,
  limit: number,
  maxScanned = 1_000_000,
): Promise<{ items: T[]; total?: number }> {
  const items: T[] = [];
  let visible = 0;
  let scanned = 0;
  for (;;) {
    const page = await source(scanned, SCAN_PAGE);
    for (const item of page.items) {
      if (!(await keep(item))) continue;
      if (visible >= offset && items.length < limit) items.push(item);
      visible += 1;
    }
    scanned += page.items.length;
    const exhausted = page.items.length < SCAN_PAGE || (page.total !== undefined && scanned >= page.total);
    if (exhausted) return { items, total: visible };
    if (scanned >= maxScanned) return { items };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The clearance guard of the API (decorated by `buildApp`), for every route that shows endpoint data. */
    clearance: ClearanceGuard;
  }
}
