import { Interface, type InterfaceAbi } from 'ethers';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '@chainm2m/contracts';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { clientFromResult } from '../stores/clientCodec.js';
import { decodeClientByIdentityResult, decodeClientListResult, decodeClientResult } from './fastAbiDecode.js';

const iface = new Interface(loadArtifact('ClientStore').abi as InterfaceAbi);

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
