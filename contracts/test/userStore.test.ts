import { Interface, MaxUint256, id, toBeHex } from 'ethers';
import type { Contract, Wallet } from 'ethers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ROLE, Roles, loadArtifact } from '../src/index.js';
import { blockTime, deploy, eventsOf, expectRevert, send, startChain, toObject } from './helpers.js';
import type { Chain } from './helpers.js';

interface UserInput {
  username: string;
  role: number;
  clearance: number;
  sealedVerifier: string;
  email: string;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

function makeUser(username: string, role = 1): UserInput {
  return {
    username,
    role,
    clearance: 3,
    sealedVerifier: id(`verifier:${username}`),
    email: `${username}@example.org`,
    active: false, // forced true by addUser
    createdAt: 11,
    updatedAt: 12,
  };
}

function expected(u: UserInput, active: boolean, createdAt: bigint, updatedAt: bigint): Record<string, unknown> {
  return { ...u, role: BigInt(u.role), clearance: BigInt(u.clearance), active, createdAt, updatedAt };
}

describe('UserStore', () => {
  let chain: Chain;
  let store: Contract;
  let asOther: Contract;
  let owner: Wallet;
  let other: Wallet;
  let snap: string;
  const iface = new Interface(loadArtifact('UserStore').abi);

  beforeAll(async () => {
    chain = await startChain();
    [owner, other] = chain.wallets as [Wallet, Wallet];
    store = await deploy('UserStore', owner);
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

  async function getUser(username: string): Promise<Record<string, unknown>> {
    return toObject(await store.getFunction('getUser').staticCall(username));
  }
  async function add(u: UserInput): Promise<bigint> {
    const r = await send(store, 'addUser', u);
    return blockTime(chain.provider, r.blockNumber);
  }

  it('grants the deployer every role and supports IUserStore', async () => {
    for (const [name, value] of Object.entries(Roles)) {
      expect(await store.getFunction('hasRole').staticCall(value, owner.address), name).toBe(true);
      if (name !== 'DEFAULT_ADMIN_ROLE') expect(await store.getFunction(name).staticCall()).toBe(value);
    }
    const fns = ['addUser', 'updateUser', 'disableUser', 'getUser', 'userExists', 'userCount', 'listUsers'];
    let interfaceId = 0n;
    for (const f of fns) interfaceId ^= BigInt(iface.getFunction(f)?.selector ?? '0x');
    expect(await store.getFunction('supportsInterface').staticCall(toBeHex(interfaceId, 4))).toBe(true);
    expect(await store.getFunction('supportsInterface').staticCall('0xffffffff')).toBe(false);
  });

  it('rejects every write from an account without ADMIN_ROLE', async () => {
    await add(makeUser('alice'));
    const args = [other.address, ADMIN_ROLE];
    const name = 'AccessControlUnauthorizedAccount';
    await expectRevert(asOther.getFunction('addUser').send(makeUser('bob')), iface, name, args);
    await expectRevert(asOther.getFunction('updateUser').send(makeUser('alice')), iface, name, args);
    await expectRevert(asOther.getFunction('disableUser').send('alice'), iface, name, args);
    await send(store, 'grantRole', ADMIN_ROLE, other.address);
    await send(asOther, 'disableUser', 'alice');
    expect((await getUser('alice'))['active']).toBe(false);
  });

  it('addUser stores the user active with contract timestamps and emits UserAdded', async () => {
    const u = makeUser('alice', 2);
    const r = await send(store, 'addUser', u);
    const t = await blockTime(chain.provider, r.blockNumber);
    expect(await getUser('alice')).toEqual(expected(u, true, t, t));
    expect(eventsOf(r, store, 'UserAdded').map((e) => e.args.toArray())).toEqual([[id('alice'), 'alice', 2n]]);
    expect(await store.getFunction('userExists').staticCall('alice')).toBe(true);
    expect(await store.getFunction('userCount').staticCall()).toBe(1n);
  });

  it('addUser reverts AlreadyExists and InvalidInput', async () => {
    await add(makeUser('alice'));
    await expectRevert(store.getFunction('addUser').send(makeUser('alice', 0)), iface, 'UserStore__AlreadyExists', ['alice']);
    await expectRevert(store.getFunction('addUser').send(makeUser('')), iface, 'UserStore__InvalidInput', ['username']);
    await expectRevert(store.getFunction('addUser').send(makeUser('bob', 3)), iface, 'UserStore__InvalidInput', ['role']);
    const noVerifier = { ...makeUser('bob'), sealedVerifier: '0x' };
    await expectRevert(store.getFunction('addUser').send(noVerifier), iface, 'UserStore__InvalidInput', ['sealedVerifier']);
    expect(await store.getFunction('userCount').staticCall()).toBe(1n);
  });

  it('updateUser replaces role, clearance, verifier, e-mail and active; keeps createdAt; emits UserUpdated', async () => {
    const t0 = await add(makeUser('alice'));
    await chain.provider.send('evm_increaseTime', [60]);
    const changed: UserInput = { ...makeUser('alice', 0), clearance: 9, sealedVerifier: id('new'), email: 'a@b.c', active: false };
    const r = await send(store, 'updateUser', changed);
    const t1 = await blockTime(chain.provider, r.blockNumber);
    expect(t1).toBeGreaterThan(t0);
    expect(await getUser('alice')).toEqual(expected(changed, false, t0, t1));
    expect(eventsOf(r, store, 'UserUpdated').map((e) => e.args.toArray())).toEqual([[id('alice'), 'alice', 0n, false]]);
    // re-enable
    const r2 = await send(store, 'updateUser', { ...changed, active: true });
    expect((await getUser('alice'))['active']).toBe(true);
    expect(eventsOf(r2, store, 'UserUpdated').map((e) => e.args.toArray())).toEqual([[id('alice'), 'alice', 0n, true]]);
  });

  it('updateUser reverts NotFound and InvalidInput, leaving the user unchanged', async () => {
    const u = makeUser('alice');
    const t = await add(u);
    await expectRevert(store.getFunction('updateUser').send(makeUser('bob')), iface, 'UserStore__NotFound', ['bob']);
    await expectRevert(store.getFunction('updateUser').send(makeUser('alice', 7)), iface, 'UserStore__InvalidInput', ['role']);
    const noVerifier = { ...makeUser('alice'), sealedVerifier: '0x' };
    await expectRevert(store.getFunction('updateUser').send(noVerifier), iface, 'UserStore__InvalidInput', ['sealedVerifier']);
    expect(await getUser('alice')).toEqual(expected(u, true, t, t));
  });

  it('disableUser deactivates, emits UserDisabled, and reverts NotFound', async () => {
    const u = makeUser('alice');
    const t0 = await add(u);
    await chain.provider.send('evm_increaseTime', [5]);
    const r = await send(store, 'disableUser', 'alice');
    const t1 = await blockTime(chain.provider, r.blockNumber);
    expect(await getUser('alice')).toEqual(expected(u, false, t0, t1));
    expect(eventsOf(r, store, 'UserDisabled').map((e) => e.args.toArray())).toEqual([[id('alice'), 'alice']]);
    // a disabled user still exists and is still listed
    expect(await store.getFunction('userExists').staticCall('alice')).toBe(true);
    expect(await store.getFunction('userCount').staticCall()).toBe(1n);
    await expectRevert(store.getFunction('disableUser').send('bob'), iface, 'UserStore__NotFound', ['bob']);
  });

  it('getUser / userExists report absence', async () => {
    await expectRevert(store.getFunction('getUser').staticCall('nobody'), iface, 'UserStore__NotFound', ['nobody']);
    expect(await store.getFunction('userExists').staticCall('nobody')).toBe(false);
    expect(await store.getFunction('userCount').staticCall()).toBe(0n);
  });

  it('listUsers paginates in insertion order with empty pages past the end', async () => {
    const list = store.getFunction('listUsers');
    expect(Array.from(await list.staticCall(0, 5))).toEqual([]);
    for (const n of ['u0', 'u1', 'u2']) await add(makeUser(n));
    const page = async (o: bigint | number, l: bigint | number): Promise<string[]> =>
      Array.from((await list.staticCall(o, l)) as unknown[], (u) => (u as { username: string }).username);
    expect(await page(0, 2)).toEqual(['u0', 'u1']);
    expect(await page(2, 2)).toEqual(['u2']);
    expect(await page(3, 2)).toEqual([]);
    expect(await page(MaxUint256, 1)).toEqual([]);
    expect(await page(0, 0)).toEqual([]);
    expect(await page(1, MaxUint256)).toEqual(['u1', 'u2']);
    const [first] = (await list.staticCall(0, 1)) as unknown as [{ toObject(d: boolean): object }];
    expect(first.toObject(true)).toMatchObject({ username: 'u0', email: 'u0@example.org', active: true });
  });
});
