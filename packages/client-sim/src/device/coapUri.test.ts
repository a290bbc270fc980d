import { describe, expect, it } from 'vitest';
import { parseCoapUri } from './coapUri.js';

describe('parseCoapUri', () => {
  it.each([
    ['coaps://127.0.0.1:5784', { scheme: 'coaps', host: '127.0.0.1', port: 5784 }],
    ['coap://example.org', { scheme: 'coap', host: 'example.org', port: 5683 }],
    ['coaps://lwm2m-server', { scheme: 'coaps', host: 'lwm2m-server', port: 5684 }],
    ['coaps://[::1]:15684/', { scheme: 'coaps', host: '::1', port: 15684 }],
  ])('%s', (uri, expected) => {
    expect(parseCoapUri(uri)).toEqual(expected);
  });

  it.each(['http://127.0.0.1:80', 'coaps://', 'coaps://host:99999', 'coaps://host:5684/rd?x', ''])('rejects %j with SIM_BAD_URI', (uri) => {
    expect(() => parseCoapUri(uri)).toThrow(expect.objectContaining({ code: 'SIM_BAD_URI' }));
  });
});
