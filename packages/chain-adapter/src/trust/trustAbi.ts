/**
 * Fast ABI encoding of TrustStore's batch calls and decoding of its events (ethers' general
 * coder costs milliseconds per item at these volumes). Tested against ethers in trustAbi.test.ts.
 */
import type { InterfaceRecord, RecordedEvaluation, Evaluation, EvaluationKind } from '@chainm2m/trust';
import { encodeCall, type AbiType } from '../chain/fastAbi.js';
import type { RpcLog } from '../chain/TxSender.js';

/** `NewEvaluation` with int32 / bytes32 words encoded as two's-complement / raw uint words. */
const NEW_EVALUATION_TYPE: AbiType = { tuple: ['string', 'string', 'uint', 'uint', 'uint', 'uint', 'uint'] };
const NEW_INTERFACE_TYPE: AbiType = { tuple: ['string', 'uint', 'uint'] };
const TWO_256 = 1n << 256n;

export function encodeAddEvaluations(selector: string, batch: readonly Evaluation[]): Buffer {
  return encodeCall(selector, [{ array: NEW_EVALUATION_TYPE }], [
    batch.map((e) => [e.subject, e.evaluator, e.score < 0 ? TWO_256 + BigInt(e.score) : BigInt(e.score), e.weight, e.kind, BigInt(e.evidence), e.at]),
  ]);
}

export function encodeRecordInterfaces(selector: string, batch: readonly { subject: string; digest: string; at: number }[]): Buffer {
  return encodeCall(selector, [{ array: NEW_INTERFACE_TYPE }], [batch.map((b) => [b.subject, BigInt(b.digest), b.at])]);
}

function wordAt(data: Buffer, i: number): Buffer {
  return data.subarray(i * 32, i * 32 + 32);
}
function uintAt(data: Buffer, i: number): number {
  return Number(BigInt(`0x${wordAt(data, i).toString('hex')}`));
}
function int32At(data: Buffer, i: number): number {
  return data.readInt32BE(i * 32 + 28);
}
function stringAt(data: Buffer, headIndex: number): string {
  const offset = uintAt(data, headIndex);
  const len = Number(BigInt(`0x${data.subarray(offset, offset + 32).toString('hex')}`));
  return data.subarray(offset + 32, offset + 32 + len).toString('utf8');
}

export interface TrustTopics {
  readonly evaluation: string;
  readonly interface: string;
}

export type DecodedTrustLog = { readonly type: 'evaluation'; readonly evaluation: RecordedEvaluation } | { readonly type: 'interface'; readonly record: InterfaceRecord };

/** Decodes TrustStore logs of `address` (others and unknown topics are skipped), in chain order. */
export function decodeTrustLogs(raw: readonly RpcLog[], address: string, topics: TrustTopics): DecodedTrustLog[] {
  const addr = address.toLowerCase();
  const out: { log: DecodedTrustLog; block: number; index: number }[] = [];
  for (const l of raw) {
    if (l.address.toLowerCase() !== addr) continue;
    const topic0 = l.topics[0];
    const data = Buffer.from(l.data.slice(2), 'hex');
    const blockNumber = Number(l.blockNumber);
    if (topic0 === topics.evaluation && l.topics.length === 4) {
      out.push({
        block: blockNumber,
        index: Number(l.logIndex),
        log: {
          type: 'evaluation',
          evaluation: {
            id: Number(BigInt(l.topics[1] as string)),
            subject: stringAt(data, 0),
            evaluator: stringAt(data, 1),
            score: int32At(data, 2),
            weight: uintAt(data, 3),
            kind: uintAt(data, 4) as EvaluationKind,
            evidence: `0x${wordAt(data, 5).toString('hex')}`,
            at: uintAt(data, 6),
            txHash: l.transactionHash,
            blockNumber,
          },
        },
      });
    } else if (topic0 === topics.interface && l.topics.length === 3) {
      out.push({
        block: blockNumber,
        index: Number(l.logIndex),
        log: {
          type: 'interface',
          record: {
            subject: stringAt(data, 0),
            index: Number(BigInt(l.topics[2] as string)),
            digest: `0x${wordAt(data, 1).toString('hex')}`,
            at: uintAt(data, 2),
            txHash: l.transactionHash,
            blockNumber,
          },
        },
      });
    }
  }
  out.sort((a, b) => a.block - b.block || a.index - b.index);
  return out.map((o) => o.log);
}
