/**
 * `UserDirectory` backed by the UserStore contract. The password verifier (see
 * `createPasswordVerifier`) is sealed (field `user.verifier`, record = username) before it goes
 * on chain. Reads go to the chain (logins are rare and a disable must bite at once); the last
 * value read is kept so logins keep working from it while the chain is unreachable
 * (`isStale()` then reports true).
 */
import { InvalidEntryError, UnknownEntryError, type NewUser, type UserDirectory, type UserPatch, type UserRecord, type UserRole } from '@chainm2m/lwm2m';
import type { Result } from 'ethers';
import { ChainAdapterError, isChainAdapterError } from '../ChainAdapterError.js';
import { storeCall } from './storeErrors.js';
import type { ChainConnection } from '../chain/ChainConnection.js';
import { SealedField, sealString, unsealString, type SealingKeyPair } from '../sealing/seal.js';

export interface ChainUserDirectoryOptions {
  readonly connection: ChainConnection;
  readonly sealingKey: SealingKeyPair;
}

const ROLES: readonly UserRole[] = ['admin', 'user', 'application'];

export class ChainUserDirectory implements UserDirectory {
  private readonly conn: ChainConnection;
  private readonly key: SealingKeyPair;
  private readonly lastSeen = new Map<string, UserRecord>();
  private stale = false;

  constructor(options: ChainUserDirectoryOptions) {
    this.conn = options.connection;
    this.key = options.sealingKey;
  }

  isStale(): boolean {
    return this.stale;
  }

  async get(username: string): Promise<UserRecord | undefined> {
    try {
      const r = await this.conn.call('UserStore', 'getUser', [username]);
      this.stale = false;
      const rec = this.decode(r[0] as Result);
      this.remember(rec);
      return rec;
    } catch (e) {
      if (isChainAdapterError(e, 'NOT_FOUND')) {
        this.stale = false;
        this.lastSeen.delete(username);
        return undefined;
      }
      if (isChainAdapterError(e, 'CHAIN_UNREACHABLE')) {
        this.stale = true;
        const cached = this.lastSeen.get(username);
        if (cached) return cached;
      }
      throw e;
    }
  }

  async list(offset: number, limit: number): Promise<{ readonly items: readonly UserRecord[]; readonly total: number }> {
    const total = Number((await this.conn.call('UserStore', 'userCount', []))[0]);
    const o = Math.max(0, Math.floor(offset));
    const l = Math.max(0, Math.min(Math.floor(limit), 1_000));
    if (l === 0 || o >= total) return { items: [], total };
    const page = (await this.conn.call('UserStore', 'listUsers', [o, l]))[0] as unknown as readonly Result[];
    const items = page.map((u) => this.decode(u));
    for (const u of items) this.remember(u);
    return { items, total };
  }

  async add(user: NewUser): Promise<void> {
    validate(user);
    await storeCall(() => this.conn.send('UserStore', 'addUser', [this.encode({ ...user, active: true })]), 'username', user.username);
  }

  async update(username: string, patch: UserPatch): Promise<UserRecord> {
    const current = await this.get(username);
    if (!current) throw new UnknownEntryError('username', username);
    const next = {
      username,
      role: patch.role ?? current.role,
      clearance: patch.clearance ?? current.clearance,
      verifier: patch.verifier ?? current.verifier,
      email: patch.email ?? current.email,
      active: patch.active ?? current.active,
    };
    validate(next);
    const receipt = await storeCall(() => this.conn.send('UserStore', 'updateUser', [this.encode(next)]), 'username', username);
    const updatedAt = await this.conn.blockTimestamp(receipt.blockNumber);
    const rec: UserRecord = { ...next, createdAt: current.createdAt, updatedAt };
    this.remember(rec);
    return rec;
  }

  async disable(username: string): Promise<void> {
    await storeCall(() => this.conn.send('UserStore', 'disableUser', [username]), 'username', username);
    const cached = this.lastSeen.get(username);
    if (cached) this.remember({ ...cached, active: false });
  }

  private encode(u: NewUser & { readonly active: boolean }): unknown[] {
    return [
      u.username,
      ROLES.indexOf(u.role),
      u.clearance,
      sealString(this.key.publicKey, u.verifier, { record: u.username, field: SealedField.PasswordVerifier }),
      u.email,
      u.active,
      0,
      0,
    ];
  }

  private decode(r: Result): UserRecord {
    const username = String(r[0]);
    const role = ROLES[Number(r[1])];
    if (role === undefined) throw new ChainAdapterError('CHAIN_RPC_ERROR', `user "${username}" has an unknown role ${String(r[1])}`);
    const sealed = new Uint8Array(Buffer.from(String(r[3]).replace(/^0x/, ''), 'hex'));
    return {
      username,
      role,
      clearance: Number(r[2]),
      verifier: unsealString(this.key, sealed, { record: username, field: SealedField.PasswordVerifier }),
      email: String(r[4]),
      active: Boolean(r[5]),
      createdAt: Number(r[6]),
      updatedAt: Number(r[7]),
    };
  }

  private remember(u: UserRecord): void {
    if (this.lastSeen.size > 10_000) this.lastSeen.clear();
    this.lastSeen.set(u.username, u);
  }
}

function validate(u: NewUser): void {
  const bad = (reason: string): never => {
    throw new InvalidEntryError(`invalid user: ${reason}`, { reason });
  };
  if (typeof u.username !== 'string' || u.username.length === 0) bad('empty username');
  if (!ROLES.includes(u.role)) bad('role');
  if (!Number.isInteger(u.clearance) || u.clearance < 0 || u.clearance > 255) bad('clearance not uint8');
  if (typeof u.verifier !== 'string' || u.verifier.length === 0) bad('empty verifier');
  if (typeof u.email !== 'string') bad('email');
}
