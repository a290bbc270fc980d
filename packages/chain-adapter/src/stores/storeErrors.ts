/**
 * The store interfaces' own errors (`@chainm2m/lwm2m`: `LWM2M_STORE_DUPLICATE`,
 * `LWM2M_STORE_NOT_FOUND`, `LWM2M_STORE_INVALID`) are what the stores throw for those cases, so a
 * server handles every backend alike; the decoded chain error stays reachable as `cause`.
 * Chain failures (`CHAIN_UNREACHABLE`, ...) stay `ChainAdapterError`s.
 */
import { DuplicateEntryError, InvalidEntryError, UnknownEntryError, type Lwm2mError } from '@chainm2m/lwm2m';
import { isChainAdapterError } from '../ChainAdapterError.js';

function withCause<E extends Lwm2mError>(err: E, cause: unknown): E {
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return err;
}

function fieldOf(errorName: unknown, fallback: string): string {
  const n = typeof errorName === 'string' ? errorName : '';
  if (n.endsWith('IdentityInUse') || n.endsWith('IdentityNotFound')) return 'identity';
  if (n.startsWith('UserStore__')) return 'username';
  if (n.startsWith('ClientStore__')) return 'endpoint';
  return fallback;
}

/** Maps DUPLICATE / NOT_FOUND / INVALID_INPUT adapter errors to the lwm2m store errors. */
export function toStoreError(e: unknown, fallbackField = 'endpoint', fallbackValue = ''): unknown {
  if (!isChainAdapterError(e)) return e;
  const args = e.details?.['errorArgs'];
  const firstArg = Array.isArray(args) && args.length > 0 ? String(args[0]) : fallbackValue;
  const field = fieldOf(e.details?.['errorName'], fallbackField);
  switch (e.code) {
    case 'DUPLICATE':
      return withCause(new DuplicateEntryError(String(e.details?.['field'] ?? field), String(e.details?.['value'] ?? firstArg)), e);
    case 'NOT_FOUND':
      return withCause(new UnknownEntryError(field, firstArg), e);
    case 'INVALID_INPUT':
      return withCause(new InvalidEntryError(e.message, { ...(e.details?.['reason'] === undefined ? {} : { reason: e.details['reason'] }) }), e);
    default:
      return e;
  }
}

/** Runs `fn`, rethrowing store-level failures as lwm2m store errors. */
export async function storeCall<T>(fn: () => Promise<T>, field?: string, value?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toStoreError(e, field, value);
  }
}
