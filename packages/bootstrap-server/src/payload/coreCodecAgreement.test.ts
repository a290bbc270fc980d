/**
 * The bootstrap payloads decode with `@chainm2m/lwm2m`'s codecs (written independently; what
 * the simulator and the LwM2M server use) to the values of the configuration.
 */
import { describe, expect, it } from 'vitest';
import { ObjectRegistry, bootstrapConfigFromSecurityInfo, decodeNode, type Lwm2mNode } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { BootstrapPolicy, type BootstrapRequest } from '../BootstrapPolicy.js';

const model = new ObjectRegistry();
const info = makeSecurityInfo('codec-dev', { server: { ...makeSecurityInfo('x').server, identity: 'codec-dev-dm', lifetime: 86400, binding: 'UQ', shortServerId: 300 } });
const config = bootstrapConfigFromSecurityInfo(info);

function requests(pct: number[], refuse: number[] = []): BootstrapRequest[] {
  const p = new BootstrapPolicy();
  let { state, decision } = p.start(config, pct);
  const out: BootstrapRequest[] = [];
  for (let i = 0; i < 100 && decision.kind === 'continueWith'; i++) {
    out.push(decision.request);
    const r = decision.request;
    const code = r.contentFormat !== undefined && refuse.includes(r.contentFormat) ? '4.15' : r.kind === 'bootstrap-delete' ? '2.02' : '2.04';
    ({ state, decision } = p.next(state, { kind: 'response', code }));
  }
  return out;
}

type Plain = Record<string, string | number | boolean>;
function plain(node: Lwm2mNode): Plain {
  const out: Plain = {};
  const put = (id: number, v: unknown): void => {
    out[String(id)] = v instanceof Uint8Array ? `hex:${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' ? Number(v) : (v as string | number | boolean);
  };
  if (node.kind === 'objectInstance') for (const r of node.resources) if (r.kind === 'singleResource') put(r.id, r.value);
  if (node.kind === 'singleResource') put(node.id, node.value);
  return out;
}

const hex = (b: Uint8Array): string => `hex:${Buffer.from(b).toString('hex')}`;
const expected: Record<string, Plain> = {
  '/0/0': { 0: info.bootstrap.serverUri, 1: true, 2: 0, 3: hex(new TextEncoder().encode(info.bootstrap.identity)), 5: hex(info.bootstrap.key) },
  '/0/1': { 0: info.server.serverUri, 1: false, 2: 0, 3: hex(new TextEncoder().encode('codec-dev-dm')), 5: hex(info.server.key), 10: 300 },
  '/1/0': { 0: 300, 1: 86400, 6: true, 7: 'UQ' },
};

describe('bootstrap payloads decode with the core codecs', () => {
  it('asked formats are really used', () => {
    expect(new Set(requests([112]).filter((r) => r.kind === 'bootstrap-write').map((r) => r.contentFormat))).toEqual(new Set([112]));
    expect(new Set(requests([11543]).filter((r) => r.kind === 'bootstrap-write').map((r) => r.contentFormat))).toEqual(new Set([11543]));
  });

  it.each([
    ['SenML-JSON', [110], []],
    ['TLV', [11542], []],
    ['SenML-CBOR (pct 112)', [112], []],
    ['LwM2M JSON (pct 11543)', [11543], []],
    ['per-resource text/opaque', [], [110, 11542]],
  ] as [string, number[], number[]][])('%s', (_name, pct, refuse) => {
    const got: Record<string, Plain> = {};
    for (const r of requests(pct, refuse)) {
      if (r.kind !== 'bootstrap-write' || r.payload === undefined || r.contentFormat === undefined || refuse.includes(r.contentFormat)) continue;
      const node = decodeNode(r.payload, r.contentFormat, { path: r.path, model });
      const instancePath = r.path.split('/').slice(0, 3).join('/');
      got[instancePath] = { ...got[instancePath], ...plain(node) };
    }
    expect(got).toEqual(expected);
  });
});
