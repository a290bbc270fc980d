import { Interface, MaxUint256, ZeroAddress, concat, dataSlice, id, toBeHex } from 'ethers';
import type { Contract, Wallet } from 'ethers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REGISTRAR_ROLE, Roles, loadArtifact } from '../src/index.js';
import { blockTime, deploy, eventsOf, expectRevert, send, startChain, toObject } from './helpers.js';
import type { Chain } from './helpers.js';

interface ClientInput {
  endpoint: string;
  bootstrap: { serverUri: string; pskIdentity: string; sealedPsk: string };
  server: { serverUri: string; pskIdentity: string; sealedPsk: string; shortServerId: number; lifetime: number; binding: string };
  clearance: number;
  registrar: string;
  createdAt: number;
  updatedAt: number;
}

/** A sealed-PSK-sized (76-byte) deterministic blob. */
function blob(seed: string): string {
  return dataSlice(concat([id(`${seed}/a`), id(`${seed}/b`), id(`${seed}/c`)]), 0, 76);
}

function makeClient(endpoint: string, tag = ''): ClientInput {
  return {
    endpoint,
    bootstrap: { serverUri: 'coaps://127.0.0.1:5784', pskIdentity: `${endpoint}-bs${tag}`, sealedPsk: blob(`${endpoint}bs${tag}`) },
    server: {
      serverUri: 'coaps://127.0.0.1:5684',
      pskIdentity: `${endpoint}-srv${tag}`,
      sealedPsk: blob(`${endpoint}srv${tag}`),
      shortServerId: 123,
      lifetime: 300,
      binding: 'U',
    },
    clearance: 2,
    // set by the contract; deliberately bogus here
    registrar: '0x000000000000000000000000000000000000dEaD',
    createdAt: 7,
    updatedAt: 8,
  };
}

function expected(c: ClientInput, registrar: string, createdAt: bigint, updatedAt: bigint): Record<string, unknown> {
  return {
    endpoint: c.endpoint,
    bootstrap: { ...c.bootstrap },
    server: {
      ...c.server,
      shortServerId: BigInt(c.server.shortServerId),
      lifetime: BigInt(c.server.lifetime),
    },
    clearance: BigInt(c.clearance),
    registrar,
    createdAt,
    updatedAt,
  };
}

describe('ClientStore', () => {
  let chain: Chain;
  let store: Contract;
  let asOther: Contract;
  let owner: Wallet;
  let other: Wallet;
  let snap: string;
  const iface = new Interface(loadArtifact('ClientStore').abi);

  beforeAll(async () => {
    chain = await startChain({ gasLimit: 100_000_000n });
    [owner, other] = chain.wallets as [Wallet, Wallet];
    store = await deploy('ClientStore', owner);
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

  async function getClient(endpoint: string): Promise<Record<string, unknown>> {
    return toObject(await store.getFunction('getClient').staticCall(endpoint));
  }
  async function endpoints(): Promise<string[]> {
    const page = await store.getFunction('listClients').staticCall(0, 1_000);
    return Array.from(page as unknown[], (c) => (c as { endpoint: string }).endpoint);
  }
  async function add(c: ClientInput): Promise<bigint> {
    const r = await send(store, 'addClient', c);
    return blockTime(chain.provider, r.blockNumber);
  }

  describe('roles and interface', () => {
    it('grants the deployer DEFAULT_ADMIN_ROLE and every role, with the documented ids', async () => {
      for (const [name, value] of Object.entries(Roles)) {
        expect(await store.getFunction('hasRole').staticCall(value, owner.address), name).toBe(true);
        expect(await store.getFunction('hasRole').staticCall(value, other.address), name).toBe(false);
        if (name !== 'DEFAULT_ADMIN_ROLE') {
          expect(await store.getFunction(name).staticCall()).toBe(value);
          expect(value).toBe(id(name));
        }
      }
    });

    it('supports ERC-165 and IClientStore', async () => {
      const fns = ['addClient', 'addClients', 'updateClient', 'removeClient', 'getClient', 'getClientByIdentity', 'exists', 'clientCount', 'listClients'];
      let interfaceId = 0n;
      for (const f of fns) interfaceId ^= BigInt(iface.getFunction(f)?.selector ?? '0x');
      const supports = store.getFunction('supportsInterface');
      expect(await supports.staticCall(toBeHex(interfaceId, 4))).toBe(true);
      expect(await supports.staticCall('0x01ffc9a7')).toBe(true);
      expect(await supports.staticCall('0x7965db0b')).toBe(true); // IAccessControl
      expect(await supports.staticCall('0xdeadbeef')).toBe(false);
    });

    it('rejects every write from an account without REGISTRAR_ROLE', async () => {
      await send(store, 'addClient', makeClient('dev-1'));
      const args = [other.address, REGISTRAR_ROLE];
      const name = 'AccessControlUnauthorizedAccount';
      await expectRevert(asOther.getFunction('addClient').send(makeClient('dev-2')), iface, name, args);
      await expectRevert(asOther.getFunction('addClients').send([makeClient('dev-2')]), iface, name, args);
      await expectRevert(asOther.getFunction('updateClient').send(makeClient('dev-1', 'x')), iface, name, args);
      await expectRevert(asOther.getFunction('removeClient').send('dev-1', false), iface, name, args);
      // granting the role lets the account write; revoking takes it away again
      await send(store, 'grantRole', REGISTRAR_ROLE, other.address);
      await send(asOther, 'addClient', makeClient('dev-2'));
      expect((await getClient('dev-2'))['registrar']).toBe(other.address);
      await send(store, 'revokeRole', REGISTRAR_ROLE, other.address);
      await expectRevert(asOther.getFunction('removeClient').send('dev-2', false), iface, name, args);
    });
  });

  describe('addClient', () => {
    it('stores the record, sets registrar and timestamps, and emits ClientAdded', async () => {
      const c = makeClient('dev-001');
      const r = await send(store, 'addClient', c);
      const t = await blockTime(chain.provider, r.blockNumber);
      expect(await getClient('dev-001')).toEqual(expected(c, owner.address, t, t));
      const ev = eventsOf(r, store, 'ClientAdded');
      expect(ev).toHaveLength(1);
      expect(ev[0]?.args.toArray()).toEqual([id('dev-001'), 'dev-001', owner.address]);
      expect(await store.getFunction('exists').staticCall('dev-001')).toBe(true);
      expect(await store.getFunction('clientCount').staticCall()).toBe(1n);
    });

    it('resolves both PSK identities to the record and tells which account', async () => {
      const c = makeClient('dev-001');
      const t = await add(c);
      const byId = store.getFunction('getClientByIdentity');
      const [bs, isBs] = (await byId.staticCall('dev-001-bs')) as unknown as [{ toObject(d: boolean): object }, boolean];
      expect(bs.toObject(true)).toEqual(expected(c, owner.address, t, t));
      expect(isBs).toBe(true);
      const [srv, isBs2] = (await byId.staticCall('dev-001-srv')) as unknown as [{ toObject(d: boolean): object }, boolean];
      expect(srv.toObject(true)).toEqual(expected(c, owner.address, t, t));
      expect(isBs2).toBe(false);
    });

    it('reverts AlreadyExists for a duplicate endpoint', async () => {
      await add(makeClient('dev-1'));
      await expectRevert(store.getFunction('addClient').send(makeClient('dev-1', 'other')), iface, 'ClientStore__AlreadyExists', ['dev-1']);
    });

    it('reverts IdentityInUse for an identity of any existing account, or equal identities in one record', async () => {
      await add(makeClient('dev-1'));
      const a = makeClient('dev-2');
      a.bootstrap.pskIdentity = 'dev-1-bs';
      await expectRevert(store.getFunction('addClient').send(a), iface, 'ClientStore__IdentityInUse', ['dev-1-bs']);
      const b = makeClient('dev-2');
      b.bootstrap.pskIdentity = 'dev-1-srv';
      await expectRevert(store.getFunction('addClient').send(b), iface, 'ClientStore__IdentityInUse', ['dev-1-srv']);
      const c = makeClient('dev-2');
      c.server.pskIdentity = 'dev-1-bs';
      await expectRevert(store.getFunction('addClient').send(c), iface, 'ClientStore__IdentityInUse', ['dev-1-bs']);
      const d = makeClient('dev-2');
      d.server.pskIdentity = d.bootstrap.pskIdentity;
      await expectRevert(store.getFunction('addClient').send(d), iface, 'ClientStore__IdentityInUse', ['dev-2-bs']);
      expect(await store.getFunction('exists').staticCall('dev-2')).toBe(false);
    });

    it('reverts InvalidInput naming the bad field', async () => {
      const cases: [string, (c: ClientInput) => void][] = [
        ['endpoint', (c) => (c.endpoint = '')],
        ['bootstrap.pskIdentity', (c) => (c.bootstrap.pskIdentity = '')],
        ['bootstrap.sealedPsk', (c) => (c.bootstrap.sealedPsk = '0x')],
        ['server.pskIdentity', (c) => (c.server.pskIdentity = '')],
        ['server.sealedPsk', (c) => (c.server.sealedPsk = '0x')],
        ['server.lifetime', (c) => (c.server.lifetime = 0)],
      ];
      for (const [reason, mutate] of cases) {
        const c = makeClient('dev-x');
        mutate(c);
        await expectRevert(store.getFunction('addClient').send(c), iface, 'ClientStore__InvalidInput', [reason]);
      }
      expect(await store.getFunction('clientCount').staticCall()).toBe(0n);
    });

    it('round-trips long values and empty server URIs / binding', async () => {
      const long = makeClient(`urn:dev:ops:${'x'.repeat(80)}`);
      long.bootstrap.pskIdentity = `identity-${'b'.repeat(70)}`;
      long.bootstrap.serverUri = '';
      long.server.serverUri = `coaps://${'h'.repeat(60)}.example:5684`;
      long.server.binding = '';
      long.bootstrap.sealedPsk = blob('long') + 'ff'.repeat(100);
      const t = await add(long);
      expect(await getClient(long.endpoint)).toEqual(expected(long, owner.address, t, t));
      const [viaId] = (await store.getFunction('getClientByIdentity').staticCall(long.bootstrap.pskIdentity)) as unknown as [
        { toObject(d: boolean): object },
      ];
      expect(viaId.toObject(true)).toEqual(expected(long, owner.address, t, t));
      // a second client shares the interned values without disturbing the first
      const short = makeClient('s');
      const t2 = await add(short);
      expect(await getClient('s')).toEqual(expected(short, owner.address, t2, t2));
      await send(store, 'removeClient', long.endpoint, false);
      const again = makeClient(long.endpoint, 'again');
      const t3 = await add(again);
      expect(await getClient(long.endpoint)).toEqual(expected(again, owner.address, t3, t3));
    });

    it('can re-add an endpoint and its identities after removal', async () => {
      await add(makeClient('dev-1'));
      await add(makeClient('dev-2'));
      await send(store, 'removeClient', 'dev-1', true);
      const again = makeClient('dev-1', 'v2');
      again.bootstrap.pskIdentity = 'dev-1-bs'; // the freed identity
      const t = await add(again);
      expect(await getClient('dev-1')).toEqual(expected(again, owner.address, t, t));
      expect(await endpoints()).toEqual(['dev-2', 'dev-1']);
      const [, isBs] = (await store.getFunction('getClientByIdentity').staticCall('dev-1-bs')) as unknown as [unknown, boolean];
      expect(isBs).toBe(true);
    });
  });

  describe('addClients', () => {
    it('adds a batch in order with one event each', async () => {
      const batch = ['a', 'b', 'c'].map((e) => makeClient(e));
      const r = await send(store, 'addClients', batch);
      const t = await blockTime(chain.provider, r.blockNumber);
      expect(await endpoints()).toEqual(['a', 'b', 'c']);
      for (const c of batch) expect(await getClient(c.endpoint)).toEqual(expected(c, owner.address, t, t));
      expect(eventsOf(r, store, 'ClientAdded').map((e) => e.args.toArray())).toEqual(
        batch.map((c) => [id(c.endpoint), c.endpoint, owner.address]),
      );
    });

    it('is all-or-nothing', async () => {
      await add(makeClient('old'));
      const dupInBatch = [makeClient('a'), makeClient('b'), makeClient('a', 'z')];
      await expectRevert(store.getFunction('addClients').send(dupInBatch), iface, 'ClientStore__AlreadyExists', ['a']);
      const clash = [makeClient('a'), makeClient('b')];
      clash[1]!.server.pskIdentity = 'old-srv';
      await expectRevert(store.getFunction('addClients').send(clash), iface, 'ClientStore__IdentityInUse', ['old-srv']);
      const bad = [makeClient('a'), makeClient('b')];
      bad[1]!.server.lifetime = 0;
      await expectRevert(store.getFunction('addClients').send(bad), iface, 'ClientStore__InvalidInput', ['server.lifetime']);
      expect(await endpoints()).toEqual(['old']);
      expect(await store.getFunction('exists').staticCall('a')).toBe(false);
      await expectRevert(store.getFunction('getClientByIdentity').staticCall('a-bs'), iface, 'ClientStore__IdentityNotFound', ['a-bs']);
    });

    it('rejects an empty batch', async () => {
      await expectRevert(store.getFunction('addClients').send([]), iface, 'ClientStore__InvalidInput', ['empty batch']);
    });

    it('keeps storage lean: gas per record is bounded (100 records in one tx)', async () => {
      await add(makeClient('first')); // first use of the listing array and the interned URIs
      const one = await send(store, 'addClient', makeClient('single'));
      const batch = Array.from({ length: 100 }, (_, i) => makeClient(`endpoint-${String(i).padStart(4, '0')}`));
      const many = await send(store, 'addClients', batch);
      expect(await store.getFunction('clientCount').staticCall()).toBe(102n);
      // 16 fresh slots per record (13 record + 1 listing + 2 identity index) cost 16 * 22,100 gas.
      expect(one.gasUsed).toBeLessThan(420_000n);
      expect(many.gasUsed / 100n).toBeLessThan(390_000n);
    });
  });

  describe('getClient / getClientByIdentity / exists', () => {
    it('report absence with the custom errors', async () => {
      await expectRevert(store.getFunction('getClient').staticCall('nope'), iface, 'ClientStore__NotFound', ['nope']);
      await expectRevert(store.getFunction('getClientByIdentity').staticCall('nope'), iface, 'ClientStore__IdentityNotFound', ['nope']);
      expect(await store.getFunction('exists').staticCall('nope')).toBe(false);
      expect(await store.getFunction('exists').staticCall('')).toBe(false);
    });
  });

  describe('updateClient', () => {
    it('rotates keys and identities, re-indexes, keeps registrar and createdAt, emits ClientUpdated', async () => {
      const c = makeClient('dev-1');
      const t0 = await add(c);
      await add(makeClient('dev-2'));
      await send(store, 'grantRole', REGISTRAR_ROLE, other.address);
      await chain.provider.send('evm_increaseTime', [100]);
      const rotated = makeClient('dev-1', '-r2');
      rotated.clearance = 5;
      rotated.server = { ...rotated.server, serverUri: 'coaps://[::1]:5684', shortServerId: 7, lifetime: 86_400, binding: 'UQ' };
      const r = await send(asOther, 'updateClient', rotated);
      const t1 = await blockTime(chain.provider, r.blockNumber);
      expect(t1).toBeGreaterThan(t0);
      expect(await getClient('dev-1')).toEqual(expected(rotated, owner.address, t0, t1));
      expect(eventsOf(r, store, 'ClientUpdated').map((e) => e.args.toArray())).toEqual([[id('dev-1'), 'dev-1', other.address]]);
      const byId = store.getFunction('getClientByIdentity');
      await expectRevert(byId.staticCall('dev-1-bs'), iface, 'ClientStore__IdentityNotFound', ['dev-1-bs']);
      await expectRevert(byId.staticCall('dev-1-srv'), iface, 'ClientStore__IdentityNotFound', ['dev-1-srv']);
      const [, isBs] = (await byId.staticCall('dev-1-bs-r2')) as unknown as [unknown, boolean];
      expect(isBs).toBe(true);
      const [viaSrv, isBs2] = (await byId.staticCall('dev-1-srv-r2')) as unknown as [{ endpoint: string }, boolean];
      expect([viaSrv.endpoint, isBs2]).toEqual(['dev-1', false]);
      expect(await endpoints()).toEqual(['dev-1', 'dev-2']);
      // the freed identities can be claimed by another record
      const reuse = makeClient('dev-3');
      reuse.bootstrap.pskIdentity = 'dev-1-bs';
      await add(reuse);
    });

    it('allows keeping or swapping the record’s own identities', async () => {
      const c = makeClient('dev-1');
      await add(c);
      const same = makeClient('dev-1');
      same.clearance = 9;
      await send(store, 'updateClient', same);
      expect((await getClient('dev-1'))['clearance']).toBe(9n);
      const swapped = makeClient('dev-1');
      swapped.bootstrap.pskIdentity = 'dev-1-srv';
      swapped.server.pskIdentity = 'dev-1-bs';
      await send(store, 'updateClient', swapped);
      const [, isBs] = (await store.getFunction('getClientByIdentity').staticCall('dev-1-srv')) as unknown as [unknown, boolean];
      expect(isBs).toBe(true);
    });

    it('reverts NotFound, IdentityInUse and InvalidInput, leaving the record unchanged', async () => {
      const c = makeClient('dev-1');
      const t = await add(c);
      await add(makeClient('dev-2'));
      await expectRevert(store.getFunction('updateClient').send(makeClient('nope')), iface, 'ClientStore__NotFound', ['nope']);
      const clash = makeClient('dev-1', 'n');
      clash.server.pskIdentity = 'dev-2-bs';
      await expectRevert(store.getFunction('updateClient').send(clash), iface, 'ClientStore__IdentityInUse', ['dev-2-bs']);
      const same = makeClient('dev-1', 'n');
      same.server.pskIdentity = same.bootstrap.pskIdentity;
      await expectRevert(store.getFunction('updateClient').send(same), iface, 'ClientStore__IdentityInUse', ['dev-1-bsn']);
      const bad = makeClient('dev-1', 'n');
      bad.bootstrap.sealedPsk = '0x';
      await expectRevert(store.getFunction('updateClient').send(bad), iface, 'ClientStore__InvalidInput', ['bootstrap.sealedPsk']);
      expect(await getClient('dev-1')).toEqual(expected(c, owner.address, t, t));
      const [viaOld] = (await store.getFunction('getClientByIdentity').staticCall('dev-1-srv')) as unknown as [{ endpoint: string }];
      expect(viaOld.endpoint).toBe('dev-1');
    });
  });

  describe('removeClient', () => {
    it('swap-and-pops, frees identities, keeps both indexes consistent, emits ClientRemoved', async () => {
      for (const e of ['a', 'b', 'c', 'd']) await add(makeClient(e));
      const r = await send(store, 'removeClient', 'b', true);
      expect(eventsOf(r, store, 'ClientRemoved').map((e) => e.args.toArray())).toEqual([[id('b'), 'b', true, owner.address]]);
      expect(await endpoints()).toEqual(['a', 'd', 'c']);
      expect(await store.getFunction('clientCount').staticCall()).toBe(3n);
      expect(await store.getFunction('exists').staticCall('b')).toBe(false);
      await expectRevert(store.getFunction('getClient').staticCall('b'), iface, 'ClientStore__NotFound', ['b']);
      await expectRevert(store.getFunction('getClientByIdentity').staticCall('b-bs'), iface, 'ClientStore__IdentityNotFound', ['b-bs']);
      await expectRevert(store.getFunction('getClientByIdentity').staticCall('b-srv'), iface, 'ClientStore__IdentityNotFound', ['b-srv']);
      // the moved record is still found by endpoint and identity
      expect((await getClient('d'))['endpoint']).toBe('d');
      const [viaId] = (await store.getFunction('getClientByIdentity').staticCall('d-srv')) as unknown as [{ endpoint: string }];
      expect(viaId.endpoint).toBe('d');
      // removing the moved record uses its updated position
      const r2 = await send(store, 'removeClient', 'd', false);
      expect(eventsOf(r2, store, 'ClientRemoved').map((e) => e.args.toArray())).toEqual([[id('d'), 'd', false, owner.address]]);
      expect(await endpoints()).toEqual(['a', 'c']);
      // removing the last position (no swap), then the only record
      await send(store, 'removeClient', 'c', false);
      expect(await endpoints()).toEqual(['a']);
      await send(store, 'removeClient', 'a', false);
      expect(await endpoints()).toEqual([]);
      expect(await store.getFunction('clientCount').staticCall()).toBe(0n);
    });

    it('reverts NotFound for an unknown or already removed endpoint', async () => {
      await expectRevert(store.getFunction('removeClient').send('nope', false), iface, 'ClientStore__NotFound', ['nope']);
      await add(makeClient('a'));
      await send(store, 'removeClient', 'a', false);
      await expectRevert(store.getFunction('removeClient').send('a', true), iface, 'ClientStore__NotFound', ['a']);
    });
  });

  describe('listClients', () => {
    it('paginates with empty pages past the end, limit 0 and a huge limit', async () => {
      const list = store.getFunction('listClients');
      expect(Array.from(await list.staticCall(0, 10))).toEqual([]);
      const names = ['e0', 'e1', 'e2', 'e3', 'e4'];
      await send(store, 'addClients', names.map((e) => makeClient(e)));
      const page = async (o: bigint | number, l: bigint | number): Promise<string[]> =>
        Array.from((await list.staticCall(o, l)) as unknown[], (c) => (c as { endpoint: string }).endpoint);
      expect(await page(0, 2)).toEqual(['e0', 'e1']);
      expect(await page(2, 2)).toEqual(['e2', 'e3']);
      expect(await page(4, 2)).toEqual(['e4']);
      expect(await page(5, 2)).toEqual([]);
      expect(await page(MaxUint256, 2)).toEqual([]);
      expect(await page(1, 0)).toEqual([]);
      expect(await page(3, MaxUint256)).toEqual(['e3', 'e4']);
      const full = (await list.staticCall(0, 1)) as unknown as { toObject(d: boolean): object }[];
      expect(full[0]?.toObject(true)).toMatchObject({ endpoint: 'e0', registrar: owner.address });
      expect(ZeroAddress).not.toBe(owner.address);
    });
  });
});
