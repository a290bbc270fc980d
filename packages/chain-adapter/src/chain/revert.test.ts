import { AbiCoder, Interface, type InterfaceAbi } from 'ethers';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '@chainm2m/contracts';
import { codeForRevert, decodeRevert, revertError } from './revert.js';

const ifaces = (['ClientStore', 'UserStore', 'AnomalyStore'] as const).map((n) => new Interface(loadArtifact(n).abi as InterfaceAbi));
const clientStore = ifaces[0] as Interface;

describe('revert decoding', () => {
  it('decodes custom errors of every contract, Error(string) and Panic, and maps stable codes', () => {
    const dup = clientStore.encodeErrorResult('ClientStore__IdentityInUse', ['dev-1-bs']);
    expect(decodeRevert(ifaces, dup)).toEqual({ name: 'ClientStore__IdentityInUse', args: ['dev-1-bs'] });
    const e = revertError(ifaces, dup, { contract: 'ClientStore', method: 'addClient' });
    expect(e.code).toBe('DUPLICATE');
    expect(e.message).toBe('ClientStore.addClient: ClientStore__IdentityInUse("dev-1-bs")');
    const nf = (ifaces[2] as Interface).encodeErrorResult('AnomalyStore__NotFound', [7n]);
    expect(revertError(ifaces, nf, { contract: 'AnomalyStore', method: 'getAnomaly' }).details?.['errorArgs']).toEqual([7]);
    const str = `0x08c379a0${AbiCoder.defaultAbiCoder().encode(['string'], ['nope']).slice(2)}`;
    expect(decodeRevert(ifaces, str)).toEqual({ name: 'Error', args: ['nope'] });
    expect(decodeRevert(ifaces, `0x4e487b71${AbiCoder.defaultAbiCoder().encode(['uint256'], [0x11]).slice(2)}`)?.name).toBe('Panic');
    const unknown = revertError(ifaces, '0xdeadbeef', { contract: 'ClientStore', method: 'x' });
    expect(unknown.code).toBe('CHAIN_REVERTED');
    expect(unknown.details?.['errorName']).toBeUndefined();
    expect(codeForRevert('AccessControlUnauthorizedAccount')).toBe('CHAIN_REVERTED');
    expect(codeForRevert('UserStore__NotFound')).toBe('NOT_FOUND');
    expect(codeForRevert('UserStore__InvalidInput')).toBe('INVALID_INPUT');
    expect(decodeRevert(ifaces, undefined)).toBeUndefined();
  });
});
