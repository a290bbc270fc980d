import { describe, expect, it } from 'vitest';
import { DuplicateEntryError, InvalidPathError, UnknownEntryError } from '@chainm2m/lwm2m';
import { ChainAdapterError } from '@chainm2m/chain-adapter';
import { ApiErrorCode, Lwm2mServerError, Lwm2mServerErrorCode } from '../Lwm2mServerError.js';
import { ApiError } from './ApiError.js';
import { errorToHttp, HTTP_STATUS } from './errorToHttp.js';

describe('errorToHttp', () => {
  it('maps an unreachable chain to 503 with a retry hint and no internals', () => {
    const r = errorToHttp(new ChainAdapterError('CHAIN_UNREACHABLE', 'connect ECONNREFUSED 127.0.0.1:8545'));
    expect(r).toMatchObject({ status: 503, retryAfterSec: 5 });
    expect(r.message).not.toContain('ECONNREFUSED');
  });

  it('maps store, path and device errors at the edge', () => {
    expect(errorToHttp(new DuplicateEntryError('endpoint', 'dev-1')).status).toBe(409);
    expect(errorToHttp(new UnknownEntryError('endpoint', 'dev-1')).status).toBe(404);
    expect(errorToHttp(new InvalidPathError('/3/x')).status).toBe(400);
    expect(errorToHttp(new ChainAdapterError('DUPLICATE', 'exists')).status).toBe(409);
    expect(errorToHttp(new Lwm2mServerError('SRV_DEVICE_TIMEOUT', 'no answer')).status).toBe(504);
    expect(errorToHttp(new Lwm2mServerError('SRV_DEVICE_ERROR', 'refused', { details: { coapCode: '4.05' } })).status).toBe(405);
    expect(errorToHttp(new Lwm2mServerError('SRV_DEVICE_ERROR', 'internal', { details: { coapCode: '5.00' } })).status).toBe(502);
    expect(errorToHttp(new Lwm2mServerError('SRV_DEVICE_NOT_REGISTERED', 'gone')).status).toBe(404);
    expect(errorToHttp(new Lwm2mServerError('SRV_INVALID_FIELD', 'clearance: must be 0-255', { details: { field: 'clearance' } }))).toMatchObject({ status: 400, field: 'clearance' });
    expect(errorToHttp(new ApiError(ApiErrorCode.RateLimited, 'slow down', { details: { retryAfterSec: 42 } }))).toMatchObject({ status: 429, retryAfterSec: 42 });
  });

  it('has an exact status for every code of this package, and none for a code it does not know', () => {
    for (const code of [...Object.values(Lwm2mServerErrorCode), ...Object.values(ApiErrorCode)]) {
      expect(HTTP_STATUS[code], code).toBeGreaterThanOrEqual(400);
      expect(errorToHttp(new Lwm2mServerError(code, 'x')).code).toBe(code);
    }
    // No guessing from the shape of a code (the regex mapping is gone).
    for (const code of ['SOMETHING_NOT_FOUND', 'X_UNAVAILABLE', 'Y_ALREADY_EXISTS', 'LWM2M_FUTURE_CODE']) {
      expect(errorToHttp(Object.assign(new Error('m'), { code }))).toEqual({ status: 500, code: 'API_INTERNAL', message: 'internal error' });
    }
  });

  it('hides the message of an unexpected error', () => {
    expect(errorToHttp(new Error('secret internals'))).toEqual({ status: 500, code: 'API_INTERNAL', message: 'internal error' });
  });
});
