import { Interface, id, type InterfaceAbi } from 'ethers';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '@chainm2m/contracts';
import { evidenceDigest, type Evaluation } from '@chainm2m/trust';
import { decodeTrustLogs, encodeAddEvaluations, encodeRecordInterfaces } from './trustAbi.js';

const iface = new Interface(loadArtifact('TrustStore').abi as InterfaceAbi);
const ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const topics = { evaluation: iface.getEvent('EvaluationAdded')?.topicHash ?? '', interface: iface.getEvent('InterfaceRecorded')?.topicHash ?? '' };
const T = 1_796_385_600;

const evals: Evaluation[] = [
  { subject: 'dev-000042', evaluator: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', score: -1_000_000, weight: 1, kind: 0, evidence: evidenceDigest('a'), at: T },
  { subject: 'capteur-é', evaluator: 'user:alice', score: 1_000_000, weight: 4_294_967_295, kind: 2, evidence: evidenceDigest('b'), at: T + 600 },
  { subject: 'x', evaluator: 'probe:0xabc', score: -1, weight: 1_000, kind: 1, evidence: evidenceDigest('c'), at: 0 },
];

describe('trustAbi', () => {
  it('encodes addEvaluations and recordInterfaces byte for byte as ethers does', () => {
    const sel = iface.getFunction('addEvaluations')?.selector ?? '';
    const expected = iface.encodeFunctionData('addEvaluations', [evals.map((e) => [e.subject, e.evaluator, e.score, e.weight, e.kind, e.evidence, e.at])]);
    expect(`0x${encodeAddEvaluations(sel, evals).toString('hex')}`).toBe(expected);
    const recs = [{ subject: 'dev-1', digest: evidenceDigest('i'), at: T }, { subject: 'dév-2', digest: evidenceDigest('j'), at: T + 1 }];
    const sel2 = iface.getFunction('recordInterfaces')?.selector ?? '';
    expect(`0x${encodeRecordInterfaces(sel2, recs).toString('hex')}`).toBe(iface.encodeFunctionData('recordInterfaces', [recs.map((r) => [r.subject, r.digest, r.at])]));
  });

  it('decodes EvaluationAdded and InterfaceRecorded logs as ethers does, in chain order, skipping other contracts', () => {
    const logs = evals.map((e, i) => {
      const enc = iface.encodeEventLog('EvaluationAdded', [10 + i, id(e.subject), id(e.evaluator), e.subject, e.evaluator, e.score, e.weight, e.kind, e.evidence, e.at, ADDRESS]);
      return { address: ADDRESS, topics: enc.topics, data: enc.data, blockNumber: `0x${(9 - i).toString(16)}`, transactionHash: `0x${String(i).repeat(64)}`, logIndex: '0x0' };
    });
    const ie = iface.encodeEventLog('InterfaceRecorded', [id('dev-1'), 3, 'dev-1', evidenceDigest('i'), T, ADDRESS]);
    logs.push({ address: ADDRESS.toLowerCase(), topics: ie.topics, data: ie.data, blockNumber: '0x1', transactionHash: `0x${'7'.repeat(64)}`, logIndex: '0x2' });
    logs.push({ ...logs[0]!, address: '0x0000000000000000000000000000000000000001' });
    const out = decodeTrustLogs(logs, ADDRESS, topics);
    expect(out[0]).toEqual({ type: 'interface', record: { subject: 'dev-1', index: 3, digest: evidenceDigest('i'), at: T, txHash: `0x${'7'.repeat(64)}`, blockNumber: 1 } });
    expect(out.slice(1).map((l) => (l.type === 'evaluation' ? l.evaluation : undefined))).toEqual(
      [2, 1, 0].map((i) => ({ ...evals[i], id: 10 + i, txHash: `0x${String(i).repeat(64)}`, blockNumber: 9 - i })),
    );
  });
});
