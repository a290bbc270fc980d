import { AbiCoder, Interface, concat, keccak256, randomBytes, hexlify } from 'ethers';
import type { Contract, Wallet } from 'ethers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_ROLE, SERVER_ROLE, loadArtifact } from '../src/index.js';
import { blockTime, deploy, eventsOf, expectRevert, send, startChain, toObject } from './helpers.js';
import type { Chain } from './helpers.js';

const ZERO = `0x${'00'.repeat(32)}`;
const rand32 = (): string => hexlify(randomBytes(32));
/** OpenZeppelin StandardMerkleTree leaf of one bytes32. */
const leafOf = (recordHash: string): string => keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32'], [recordHash])));
const hashPair = (a: string, b: string): string => keccak256(BigInt(a) < BigInt(b) ? concat([a, b]) : concat([b, a]));

describe('AuditAnchor', () => {
  let chain: Chain;
  let anchor: Contract;
  let asOther: Contract;
  let owner: Wallet;
  let other: Wallet;
  let snap: string;
  const iface = new Interface(loadArtifact('AuditAnchor').abi);

  beforeAll(async () => {
    chain = await startChain();
    [owner, other] = chain.wallets as [Wallet, Wallet];
    anchor = await deploy('AuditAnchor', owner);
    asOther = anchor.connect(other) as Contract;
    snap = await chain.snapshot();
  });
  beforeEach(async () => {
    await chain.revert(snap);
    snap = await chain.snapshot();
  });
  afterAll(async () => {
    await chain?.close();
  });

  it('starts empty: next seq 1, zero last root, no anchors, deployer holds the roles', async () => {
    expect(await anchor.getFunction('nextSeq')()).toBe(1n);
    expect(await anchor.getFunction('lastRoot')()).toBe(ZERO);
    expect(await anchor.getFunction('anchorCount')()).toBe(0n);
    expect(await anchor.getFunction('hasRole')(SERVER_ROLE, owner.address)).toBe(true);
    expect(await anchor.getFunction('hasRole')(DEFAULT_ADMIN_ROLE, owner.address)).toBe(true);
    await expectRevert(anchor.getFunction('rootAt')(0), iface, 'AuditAnchor__InvalidInput', ['index']);
  });

  it('anchors batches in sequence, chaining roots; emits RootAnchored; checkRoot answers in one call', async () => {
    const r1 = rand32();
    const r2 = rand32();
    const key = rand32();
    await send(anchor, 'publishSigningKey', key);
    const rc1 = await send(anchor, 'anchorRoot', r1, 1, 1000, 1000, ZERO);
    const ev = eventsOf(rc1, anchor, 'RootAnchored');
    expect(ev.length).toBe(1);
    expect(toObject(ev[0]!.args)).toEqual({ root: r1, fromSeq: 1n, toSeq: 1000n, count: 1000n, prevRoot: ZERO, anchorer: owner.address });
    const rc2 = await send(anchor, 'anchorRoot', r2, 1001, 1250, 250, r1);
    expect(await anchor.getFunction('nextSeq')()).toBe(1251n);
    expect(await anchor.getFunction('lastRoot')()).toBe(r2);
    expect(await anchor.getFunction('anchorCount')()).toBe(2n);
    expect(await anchor.getFunction('rootAt')(0)).toBe(r1);
    expect(await anchor.getFunction('rootAt')(1)).toBe(r2);
    const a2 = toObject(await anchor.getFunction('getAnchor')(r2));
    expect(a2).toEqual({ fromSeq: 1001n, toSeq: 1250n, count: 250n, anchoredAt: await blockTime(chain.provider, rc2.blockNumber), blockNumber: BigInt(rc2.blockNumber), prevRoot: r1 });
    const c = await anchor.getFunction('checkRoot')(r2, key);
    expect(c[0]).toBe(true);
    expect(toObject(c[1])).toEqual(a2);
    expect(c[2]).toBe(true);
    const none = await anchor.getFunction('checkRoot')(rand32(), rand32());
    expect([none[0], none[2], toObject(none[1]).fromSeq]).toEqual([false, false, 0n]);
    console.log(`anchorRoot gas: first ${rc1.gasUsed}, next ${rc2.gasUsed}`);
  });

  it('refuses out-of-sequence, wrong previous root, duplicate root, zero root and bad counts', async () => {
    const r1 = rand32();
    await expectRevert(anchor.getFunction('anchorRoot')(r1, 2, 10, 9, ZERO), iface, 'AuditAnchor__OutOfSequence', [1n, 2n]);
    await expectRevert(anchor.getFunction('anchorRoot')(ZERO, 1, 10, 10, ZERO), iface, 'AuditAnchor__InvalidInput', ['root']);
    await expectRevert(anchor.getFunction('anchorRoot')(r1, 1, 0, 0, ZERO), iface, 'AuditAnchor__InvalidInput', ['toSeq']);
    await expectRevert(anchor.getFunction('anchorRoot')(r1, 1, 10, 9, ZERO), iface, 'AuditAnchor__InvalidInput', ['count']);
    const wrong = rand32();
    await expectRevert(anchor.getFunction('anchorRoot')(r1, 1, 10, 10, wrong), iface, 'AuditAnchor__WrongPrevRoot', [ZERO, wrong]);
    await send(anchor, 'anchorRoot', r1, 1, 10, 10, ZERO);
    await expectRevert(anchor.getFunction('anchorRoot')(r1, 11, 20, 10, r1), iface, 'AuditAnchor__AlreadyAnchored', [r1]);
    await expectRevert(anchor.getFunction('anchorRoot')(rand32(), 11, 20, 10, ZERO), iface, 'AuditAnchor__WrongPrevRoot', [r1, ZERO]);
    await expectRevert(anchor.getFunction('getAnchor')(wrong), iface, 'AuditAnchor__NotFound', [wrong]);
  });

  it('only SERVER_ROLE anchors; only the default admin publishes and revokes keys', async () => {
    await expectRevert(asOther.getFunction('anchorRoot')(rand32(), 1, 1, 1, ZERO), iface, 'AccessControlUnauthorizedAccount', [other.address, SERVER_ROLE]);
    await expectRevert(asOther.getFunction('publishSigningKey')(rand32()), iface, 'AccessControlUnauthorizedAccount', [other.address, DEFAULT_ADMIN_ROLE]);
    const key = rand32();
    await send(anchor, 'publishSigningKey', key);
    await expectRevert(asOther.getFunction('revokeSigningKey')(key), iface, 'AccessControlUnauthorizedAccount', [other.address, DEFAULT_ADMIN_ROLE]);
    await send(anchor, 'grantRole', SERVER_ROLE, other.address);
    await send(asOther, 'anchorRoot', rand32(), 1, 5, 5, ZERO);
    expect(await anchor.getFunction('nextSeq')()).toBe(6n);
  });

  it('publishes and revokes Ed25519 keys with events', async () => {
    const key = rand32();
    const rc = await send(anchor, 'publishSigningKey', key);
    expect(toObject(eventsOf(rc, anchor, 'SigningKeyPublished')[0]!.args)).toEqual({ publicKey: key, fromSeq: 1n, publisher: owner.address });
    expect(await anchor.getFunction('isSigningKey')(key)).toBe(true);
    await expectRevert(anchor.getFunction('publishSigningKey')(key), iface, 'AuditAnchor__KeyAlreadyPublished', [key]);
    await expectRevert(anchor.getFunction('publishSigningKey')(ZERO), iface, 'AuditAnchor__InvalidInput', ['publicKey']);
    const rv = await send(anchor, 'revokeSigningKey', key);
    expect(toObject(eventsOf(rv, anchor, 'SigningKeyRevoked')[0]!.args)).toEqual({ publicKey: key, revoker: owner.address });
    expect(await anchor.getFunction('isSigningKey')(key)).toBe(false);
    await expectRevert(anchor.getFunction('revokeSigningKey')(key), iface, 'AuditAnchor__KeyNotPublished', [key]);
  });

  it('verifyRecord checks a StandardMerkleTree proof against an anchored root', async () => {
    const hashes = [rand32(), rand32(), rand32(), rand32()];
    const [l0, l1, l2, l3] = hashes.map(leafOf) as [string, string, string, string];
    const n01 = hashPair(l0, l1);
    const n23 = hashPair(l2, l3);
    const root = hashPair(n01, n23);
    expect(await anchor.getFunction('verifyRecord')(root, hashes[0], [l1, n23])).toBe(false); // not anchored yet
    await send(anchor, 'anchorRoot', root, 1, 4, 4, ZERO);
    expect(await anchor.getFunction('verifyRecord')(root, hashes[0], [l1, n23])).toBe(true);
    expect(await anchor.getFunction('verifyRecord')(root, hashes[3], [l2, n01])).toBe(true);
    expect(await anchor.getFunction('verifyRecord')(root, hashes[1], [l1, n23])).toBe(false);
    expect(await anchor.getFunction('verifyRecord')(root, rand32(), [l1, n23])).toBe(false);
  });
});
