import { Interface, ZeroHash, id, toBeHex } from 'ethers';
import type { Contract, Wallet } from 'ethers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVALUATOR_ROLE, Roles, loadArtifact } from '../src/index.js';
import { blockTime, deploy, eventsOf, expectRevert, send, startChain, toObject } from './helpers.js';
import type { Chain } from './helpers.js';

interface NewEvaluation {
  subject: string;
  evaluator: string;
  score: number;
  weight: number;
  kind: number;
  evidence: string;
  at: number;
}

const T0 = 1_796_385_600; // 2026-12-04T12:00:00Z
const SERVER_ID = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const digest = (s: string): string => id(s);

function evaluation(subject: string, score: number, over: Partial<NewEvaluation> = {}): NewEvaluation {
  return { subject, evaluator: SERVER_ID, score, weight: 1_000, kind: 0, evidence: digest(`${subject}:${score}`), at: T0, ...over };
}

describe('TrustStore', () => {
  let chain: Chain;
  let store: Contract;
  let asOther: Contract;
  let owner: Wallet;
  let other: Wallet;
  let snap: string;
  const iface = new Interface(loadArtifact('TrustStore').abi);

  beforeAll(async () => {
    chain = await startChain();
    [owner, other] = chain.wallets as [Wallet, Wallet];
    store = await deploy('TrustStore', owner);
    asOther = store.connect(other) as Contract;
    snap = await chain.snapshot();
  });
  beforeEach(async () => {
    await chain.revert(snap);
    snap = await chain.snapshot();
  });
  afterAll(async () => {
    await chain?.close();
  });

  const call = async (fn: string, ...args: unknown[]): Promise<unknown> => store.getFunction(fn).staticCall(...args);

  describe('access', () => {
    it('grants the deployer every role and EVALUATOR_ROLE, supports ITrustStore, exposes its constants', async () => {
      for (const value of [...Object.values(Roles), EVALUATOR_ROLE]) expect(await call('hasRole', value, owner.address)).toBe(true);
      expect(await call('EVALUATOR_ROLE')).toBe(EVALUATOR_ROLE);
      expect(await call('SCORE_SCALE')).toBe(1_000_000n);
      expect(await call('MAX_KIND')).toBe(2n);
      const fns = [
        'addEvaluation', 'addEvaluations', 'recordInterface', 'recordInterfaces', 'evaluationCount',
        'evaluationCountOf', 'interfaceCount', 'getInterface', 'latestInterfaceDigest',
      ];
      let interfaceId = 0n;
      for (const f of fns) interfaceId ^= BigInt(iface.getFunction(f)?.selector ?? '0x');
      expect(await call('supportsInterface', toBeHex(interfaceId, 4))).toBe(true);
      expect(await call('supportsInterface', '0x01ffc9a7')).toBe(true); // ERC-165
      expect(await call('supportsInterface', '0x12345678')).toBe(false);
    });

    it('only EVALUATOR_ROLE writes (every write function); granting and revoking take effect', async () => {
      const name = 'AccessControlUnauthorizedAccount';
      const args = [other.address, EVALUATOR_ROLE];
      await expectRevert(asOther.getFunction('addEvaluation').send(evaluation('dev-1', 1)), iface, name, args);
      await expectRevert(asOther.getFunction('addEvaluations').send([evaluation('dev-1', 1)]), iface, name, args);
      await expectRevert(asOther.getFunction('recordInterface').send('dev-1', digest('a'), T0), iface, name, args);
      await expectRevert(asOther.getFunction('recordInterfaces').send([{ subject: 'dev-1', digest: digest('a'), at: T0 }]), iface, name, args);
      // other roles do not help
      await send(store, 'grantRole', Roles.SERVER_ROLE, other.address);
      await expectRevert(asOther.getFunction('addEvaluation').send(evaluation('dev-1', 1)), iface, name, args);
      await send(store, 'grantRole', EVALUATOR_ROLE, other.address);
      const r = await send(asOther, 'addEvaluation', evaluation('dev-1', 1));
      expect(eventsOf(r, store, 'EvaluationAdded')[0]?.args['submitter']).toBe(other.address);
      await send(asOther, 'recordInterface', 'dev-1', digest('a'), T0);
      await send(store, 'revokeRole', EVALUATOR_ROLE, other.address);
      await expectRevert(asOther.getFunction('addEvaluations').send([evaluation('dev-1', 1)]), iface, name, args);
      expect(await call('evaluationCount')).toBe(1n);
    });
  });

  describe('evaluations', () => {
    it('addEvaluation: ids from 0, counters per subject, every field in EvaluationAdded', async () => {
      const e = evaluation('dev-001', -250_000, { evaluator: 'user:alice', weight: 2_500, kind: 2, at: T0 + 7 });
      expect(await call('addEvaluation', e)).toBe(0n);
      const r = await send(store, 'addEvaluation', e);
      expect(eventsOf(r, store, 'EvaluationAdded').map((l) => l.args.toArray())).toEqual([
        [0n, id('dev-001'), id('user:alice'), 'dev-001', 'user:alice', -250_000n, 2_500n, 2n, e.evidence, BigInt(T0 + 7), owner.address],
      ]);
      expect(await call('addEvaluation', e)).toBe(1n);
      expect(await call('evaluationCount')).toBe(1n);
      expect(await call('evaluationCountOf', 'dev-001')).toBe(1n);
      expect(await call('evaluationCountOf', 'dev-002')).toBe(0n);
    });

    it('addEvaluations: consecutive ids, returns the first, one event each, in order', async () => {
      await send(store, 'addEvaluation', evaluation('x', 0));
      const batch = [evaluation('a', 1_000_000), evaluation('b', -1_000_000, { kind: 1 }), evaluation('a', 5)];
      expect(await call('addEvaluations', batch)).toBe(1n);
      const r = await send(store, 'addEvaluations', batch);
      const logs = eventsOf(r, store, 'EvaluationAdded');
      expect(logs.map((l) => [l.args['id'], l.args['subject'], l.args['score']])).toEqual([
        [1n, 'a', 1_000_000n],
        [2n, 'b', -1_000_000n],
        [3n, 'a', 5n],
      ]);
      expect(await call('evaluationCount')).toBe(4n);
      expect(await call('evaluationCountOf', 'a')).toBe(2n);
    });

    it('a batch of 500 fits in one transaction (event-sourced: little storage)', async () => {
      const batch = Array.from({ length: 500 }, (_, i) => evaluation(`dev-${String(i).padStart(5, '0')}`, (i * 4_001) % 2_000_001 - 1_000_000));
      const r = await send(store, 'addEvaluations', batch);
      expect(eventsOf(r, store, 'EvaluationAdded')).toHaveLength(500);
      expect(r.gasUsed / 500n).toBeLessThan(40_000n);
    });

    it('reverts ScoreOutOfRange, UnknownKind, InvalidInput (batches all or nothing)', async () => {
      const add = (e: NewEvaluation) => store.getFunction('addEvaluation').send(e);
      await expectRevert(add(evaluation('d', 1_000_001)), iface, 'TrustStore__ScoreOutOfRange', [1_000_001n]);
      await expectRevert(add(evaluation('d', -1_000_001)), iface, 'TrustStore__ScoreOutOfRange', [-1_000_001n]);
      await expectRevert(add(evaluation('d', 0, { kind: 3 })), iface, 'TrustStore__UnknownKind', [3n]);
      await expectRevert(add(evaluation('d', 0, { kind: 255 })), iface, 'TrustStore__UnknownKind', [255n]);
      await expectRevert(add(evaluation('', 0)), iface, 'TrustStore__InvalidInput', ['subject']);
      await expectRevert(add(evaluation('d', 0, { evaluator: '' })), iface, 'TrustStore__InvalidInput', ['evaluator']);
      await expectRevert(add(evaluation('d', 0, { weight: 0 })), iface, 'TrustStore__InvalidInput', ['weight']);
      await expectRevert(store.getFunction('addEvaluations').send([]), iface, 'TrustStore__InvalidInput', ['empty batch']);
      await expectRevert(store.getFunction('addEvaluations').send([evaluation('a', 1), evaluation('b', 2, { kind: 9 })]), iface, 'TrustStore__UnknownKind', [9n]);
      expect(await call('evaluationCount')).toBe(0n);
      expect(await call('evaluationCountOf', 'a')).toBe(0n);
    });
  });

  describe('interface records', () => {
    it('recordInterface appends only when the digest changes; history and latest digest', async () => {
      expect(await call('latestInterfaceDigest', 'dev-1')).toBe(ZeroHash);
      expect(await call('recordInterface', 'dev-1', digest('v1'), T0)).toBe(true);
      const r1 = await send(store, 'recordInterface', 'dev-1', digest('v1'), T0);
      const t1 = await blockTime(chain.provider, r1.blockNumber);
      expect(eventsOf(r1, store, 'InterfaceRecorded').map((l) => l.args.toArray())).toEqual([
        [id('dev-1'), 0n, 'dev-1', digest('v1'), BigInt(T0), owner.address],
      ]);
      // unchanged: no record, no event
      expect(await call('recordInterface', 'dev-1', digest('v1'), T0 + 60)).toBe(false);
      const same = await send(store, 'recordInterface', 'dev-1', digest('v1'), T0 + 60);
      expect(eventsOf(same, store, 'InterfaceRecorded')).toEqual([]);
      const r2 = await send(store, 'recordInterface', 'dev-1', digest('v2'), T0 + 120);
      expect(eventsOf(r2, store, 'InterfaceRecorded')[0]?.args['index']).toBe(1n);
      expect(await call('interfaceCount', 'dev-1')).toBe(2n);
      expect(await call('interfaceCount', 'dev-2')).toBe(0n);
      expect(toObject((await call('getInterface', 'dev-1', 0)) as never)).toEqual({ digest: digest('v1'), at: BigInt(T0), recordedAt: t1, submitter: owner.address });
      expect(await call('latestInterfaceDigest', 'dev-1')).toBe(digest('v2'));
      // back to v1 is a change again
      expect(await call('recordInterface', 'dev-1', digest('v1'), T0 + 180)).toBe(true);
    });

    it('recordInterfaces: many subjects per transaction, counts what it appended', async () => {
      await send(store, 'recordInterface', 'a', digest('a1'), T0);
      const recs = [
        { subject: 'a', digest: digest('a1'), at: T0 + 1 }, // unchanged
        { subject: 'b', digest: digest('b1'), at: T0 + 1 },
        { subject: 'a', digest: digest('a2'), at: T0 + 1 },
        { subject: 'b', digest: digest('b1'), at: T0 + 2 }, // unchanged within the batch
      ];
      expect(await call('recordInterfaces', recs)).toBe(2n);
      const r = await send(store, 'recordInterfaces', recs);
      expect(eventsOf(r, store, 'InterfaceRecorded').map((l) => [l.args['subject'], l.args['index']])).toEqual([
        ['b', 0n],
        ['a', 1n],
      ]);
    });

    it('reverts NotFound past the end, InvalidInput for an empty subject, a zero digest, an empty batch', async () => {
      await expectRevert(store.getFunction('getInterface').staticCall('dev-9', 0), iface, 'TrustStore__NotFound', ['dev-9', 0n]);
      await expectRevert(store.getFunction('recordInterface').send('', digest('x'), T0), iface, 'TrustStore__InvalidInput', ['subject']);
      await expectRevert(store.getFunction('recordInterface').send('d', ZeroHash, T0), iface, 'TrustStore__InvalidInput', ['digest']);
      await expectRevert(store.getFunction('recordInterfaces').send([]), iface, 'TrustStore__InvalidInput', ['empty batch']);
      await expectRevert(
        store.getFunction('recordInterfaces').send([{ subject: 'ok', digest: digest('x'), at: T0 }, { subject: 'd', digest: ZeroHash, at: T0 }]),
        iface,
        'TrustStore__InvalidInput',
        ['digest'],
      );
      expect(await call('interfaceCount', 'ok')).toBe(0n);
    });
  });
});
