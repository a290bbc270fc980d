import { Interface, type InterfaceAbi } from 'ethers';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '@chainm2m/contracts';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { clientFromResult } from '../stores/clientCodec.js';
import { decodeAnomalyListResult, decodeAnomalyPageResult, decodeClientByIdentityResult, decodeClientListResult, decodeClientResult } from './fastAbiDecode.js';

const iface = new Interface(loadArtifact('ClientStore').abi as InterfaceAbi);
const anomalies = new Interface(loadArtifact('AnomalyStore').abi as InterfaceAbi);

function client(i: number): unknown[] {
  return [
    `endpoint-${i}-${'é'.repeat(i * 5)}`,
    ['coaps://bs.example:5784', `id-bs-${i}`, new Uint8Array(Array.from({ length: 53 + i * 9 }, (_, k) => k & 0xff))],
    ['coaps://dm.example:5684', `id-${i}`, new Uint8Array(Array.from({ length: 69 }, (_, k) => (k * 3) & 0xff)), 101 + i, 300 + i, i % 2 ? 'UQ' : 'U'],
    i % 4,
    `0xabcdef00000000000000000000000000000000${(10 + i).toString()}`,
    1_700_000_000 + i,
    1_800_000_000 + i,
  ];
}

describe('fast Client decoding', () => {
  it('matches ethers for getClient, getClientByIdentity and listClients', () => {
    const one = iface.encodeFunctionResult('getClient', [client(3)]);
    expect(decodeClientResult(one)).toEqual(clientFromResult(iface.decodeFunctionResult('getClient', one)[0]));
    const byId = iface.encodeFunctionResult('getClientByIdentity', [client(2), true]);
    const d = decodeClientByIdentityResult(byId);
    expect(d.isBootstrap).toBe(true);
    expect(d.client).toEqual(clientFromResult(iface.decodeFunctionResult('getClientByIdentity', byId)[0]));
    for (const n of [0, 1, 7]) {
      const list = iface.encodeFunctionResult('listClients', [Array.from({ length: n }, (_, i) => client(i))]);
      const theirs = (iface.decodeFunctionResult('listClients', list)[0] as unknown as Parameters<typeof clientFromResult>[0][]).map((c) => clientFromResult(c));
      expect(decodeClientListResult(list)).toEqual(theirs);
    }
  });

  it('rejects truncated or absurd data with a typed error', () => {
    const one = iface.encodeFunctionResult('getClient', [client(1)]);
    expect(() => decodeClientResult(one.slice(0, 200))).toThrow(ChainAdapterError);
    expect(() => decodeClientListResult(`0x${'00'.repeat(31)}20${'ff'.repeat(32)}`)).toThrow(ChainAdapterError);
    expect(() => decodeClientResult('0x')).toThrow(ChainAdapterError);
  });
});

describe('fast Anomaly decoding', () => {
  const a = (i: number): unknown[] => [`dev-${i}`, 1_700_000_000 + i, i % 256, 'kind-ü', `value ${i}`.repeat(i), '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 1_800_000_000 + i];
  const plain = (x: unknown[], id: number) => ({
    id,
    endpoint: x[0],
    collectedAt: x[1],
    severity: x[2],
    kind: x[3],
    value: x[4],
    reporter: x[5],
    recordedAt: x[6],
  });
  it('decodes listAnomalies, listAnomaliesByEndpoint and listAnomaliesByTime as ethers encodes them', () => {
    const items = [a(0), a(1), a(7)];
    expect(decodeAnomalyListResult(anomalies.encodeFunctionResult('listAnomalies', [items]), 10)).toEqual(items.map((x, i) => plain(x, 10 + i)));
    const byEp = anomalies.encodeFunctionResult('listAnomaliesByEndpoint', [items, [4, 9, 12]]);
    expect(decodeAnomalyPageResult(byEp, false)).toEqual({ items: items.map((x, i) => plain(x, [4, 9, 12][i] as number)), nextCursor: 0n });
    // Today's cursors: bucket (2026-12-04 in hours since 1970) << 64 | index + 1, about 2^83.
    const cursor = (BigInt(Math.floor(Date.UTC(2026, 11, 4, 18) / 3_600_000)) << 64n) | 201n;
    const byTime = anomalies.encodeFunctionResult('listAnomaliesByTime', [items.slice(0, 2), [1, 2], cursor]);
    expect(decodeAnomalyPageResult(byTime, true)).toEqual({ items: items.slice(0, 2).map((x, i) => plain(x, i + 1)), nextCursor: cursor });
    const last = anomalies.encodeFunctionResult('listAnomaliesByTime', [[], [], 0]);
    expect(decodeAnomalyPageResult(last, true)).toEqual({ items: [], nextCursor: 0n });
    expect(decodeAnomalyListResult(anomalies.encodeFunctionResult('listAnomalies', [[]]), 0)).toEqual([]);
  });
});
