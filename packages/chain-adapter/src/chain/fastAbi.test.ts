import { Interface, Transaction, Wallet, hexlify } from 'ethers';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '@chainm2m/contracts';
import type { InterfaceAbi } from 'ethers';
import { CLIENT_TYPE, NEW_ANOMALY_TYPE, encodeCall } from './fastAbi.js';
import { decodeRawTransaction, nonceOfRawTransaction, signRawTransaction } from './rlpTx.js';

const clientStore = new Interface(loadArtifact('ClientStore').abi as InterfaceAbi);
const anomalyStore = new Interface(loadArtifact('AnomalyStore').abi as InterfaceAbi);

function client(i: number): unknown[] {
  return [
    `endpoint-${i}-${'x'.repeat(i * 7)}`,
    ['coaps://bs.example:5784', `id-bs-${i}`, new Uint8Array(Array.from({ length: 53 + i }, (_, k) => k & 0xff))],
    ['coaps://dm.example:5684', `id-${i}`, new Uint8Array(Array.from({ length: 69 }, (_, k) => (k * 3) & 0xff)), 101 + i, 300, 'UQ'],
    i % 4,
    '0x0000000000000000000000000000000000000000',
    0,
    2 ** 40 + i,
  ];
}

describe('fastAbi.encodeCall', () => {
  it('matches ethers for addClients / addClient / addAnomalies', () => {
    for (const n of [0, 1, 3, 10]) {
      const batch = Array.from({ length: n }, (_, i) => client(i));
      const ours = encodeCall(clientStore.getFunction('addClients')?.selector ?? '', [{ array: CLIENT_TYPE }], [batch as never]);
      expect(`0x${ours.toString('hex')}`).toBe(clientStore.encodeFunctionData('addClients', [batch]));
    }
    const one = encodeCall(clientStore.getFunction('addClient')?.selector ?? '', [CLIENT_TYPE], [client(5) as never]);
    expect(`0x${one.toString('hex')}`).toBe(clientStore.encodeFunctionData('addClient', [client(5)]));
    const anomalies = [['dev-1', 1700000000, 3, 'kind', 'vålue'], ['', 0, 255, 'k', '']];
    const a = encodeCall(anomalyStore.getFunction('addAnomalies')?.selector ?? '', [{ array: NEW_ANOMALY_TYPE }], [anomalies as never]);
    expect(`0x${a.toString('hex')}`).toBe(anomalyStore.encodeFunctionData('addAnomalies', [anomalies]));
  });
});

describe('signRawTransaction', () => {
  const wallet = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
  it('produces what ethers produces (EIP-1559 and legacy), with the right hash and sender', async () => {
    const data = new Uint8Array(Array.from({ length: 300 }, (_, i) => i & 0xff));
    const to = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    const base = { chainId: 31337, nonce: 7, to, data, gasLimit: 1_234_567n };
    const mine = signRawTransaction(wallet.signingKey, { ...base, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n });
    const theirs = await wallet.signTransaction({ ...base, data: hexlify(data), type: 2, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n });
    expect(mine.raw).toBe(theirs);
    expect(mine.hash).toBe(Transaction.from(theirs).hash);
    const legacy = signRawTransaction(wallet.signingKey, { ...base, nonce: 0, to: null, gasPrice: 5n });
    const tx = Transaction.from(legacy.raw);
    expect(tx.from).toBe(wallet.address);
    expect(tx.to).toBeNull();
    expect(tx.chainId).toBe(31337n);
    expect(legacy.raw).toBe(await wallet.signTransaction({ ...base, data: hexlify(data), nonce: 0, to: null, type: 0, gasPrice: 5n }));
  });
});

describe('nonceOfRawTransaction', () => {
  it('reads the nonce of EIP-1559 and legacy transactions, small and large', () => {
    const key = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d').signingKey;
    const base = { chainId: 31337, to: '0x5FbDB2315678afecb367f032d93F642f64180aa3', data: new Uint8Array(200), gasLimit: 21_000n };
    for (const nonce of [0, 1, 127, 128, 255, 65_536, 1_234_567]) {
      expect(nonceOfRawTransaction(signRawTransaction(key, { ...base, nonce, maxFeePerGas: 3n, maxPriorityFeePerGas: 1n }).raw)).toBe(nonce);
      expect(nonceOfRawTransaction(signRawTransaction(key, { ...base, nonce, gasPrice: 5n }).raw)).toBe(nonce);
    }
    const data = new Uint8Array(Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff));
    for (const fees of [{ maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1n }, { gasPrice: 5n }]) {
      const signed = signRawTransaction(key, { ...base, nonce: 300, data, gasLimit: 90_000_000n, ...fees });
      expect(decodeRawTransaction(signed.raw)).toEqual({ nonce: 300, to: base.to.toLowerCase(), data: `0x${Buffer.from(data).toString('hex')}`, gasLimit: 90_000_000n });
    }
    expect(decodeRawTransaction(signRawTransaction(key, { ...base, to: null, nonce: 0, gasPrice: 1n }).raw)?.to).toBeNull();
    expect(nonceOfRawTransaction('0x')).toBeUndefined();
    expect(nonceOfRawTransaction('0x02')).toBeUndefined();
  });
});
