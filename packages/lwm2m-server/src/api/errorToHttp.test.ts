import { describe, expect, it } from 'vitest';
import { DuplicateEntryError, UnknownEntryError } from '@chainm2m/lwm2m';
import { ChainAdapterError } from '@chainm2m/chain-adapter';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import { ApiError, ApiErrorCode } from './ApiError.js';
import { errorToHttp } from './errorToHttp.js';

describe('errorToHttp', () => {
  it('maps an unreachable chain to 503 with a retry hint and no internals', () => {
    const r = errorToHttp(new ChainAdapterError('CHAIN_UNREACHABLE', 'connect ECONNREFUSED 127.0.0.1:8545'));
    expect(r).toMatchObject({ status: 503, retryAfterSec: 5 });
    expect(r.message).not.toContain('ECONNREFUSED');
  });

  it('maps store and device errors at the edge', () => {
    expect(errorToHttp(new DuplicateEntryError('endpoint', 'dev-1')).status).toBe(409);
    expect(errorToHttp(new UnknownEntryError('endpoint', 'dev-1')).status).toBe(404);
    expect(errorToHttp(new Lwm2mServerError('DEVICE_TIMEOUT', 'no answer')).status).toBe(504);
    expect(errorToHttp(new Lwm2mServerError('DEVICE_ERROR', 'refused', { details: { coapCode: '4.05' } })).status).toBe(405);
    expect(errorToHttp(new Lwm2mServerError('DEVICE_NOT_REGISTERED', 'gone')).status).toBe(404);
    expect(errorToHttp(new ApiError(ApiErrorCode.RateLimited, 'slow down', { details: { retryAfterSec: 42 } }))).toMatchObject({ status: 429, retryAfterSec: 42 });
  });

  it('hides the message of an unexpected error', () => {
    expect(errorToHttp(new Error('secret internals'))).toEqual({ status: 500, code: 'API_INTERNAL', message: 'internal error' });
  });
});
