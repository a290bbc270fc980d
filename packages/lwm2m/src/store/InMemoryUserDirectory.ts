import { DuplicateEntryError, UnknownEntryError } from './StoreErrors.js';
import type { NewUser, UserDirectory, UserPatch, UserRecord } from './UserDirectory.js';

/** A `UserDirectory` in a Map, for tests and single-process demos. */
export class InMemoryUserDirectory implements UserDirectory {
  private readonly users = new Map<string, UserRecord>();

  constructor(private readonly nowSec: () => number = () => Math.floor(Date.now() / 1000)) {}

  async get(username: string): Promise<UserRecord | undefined> {
    return this.users.get(username);
  }

  async list(offset: number, limit: number): Promise<{ items: readonly UserRecord[]; total: number }> {
    return { items: [...this.users.values()].slice(offset, offset + limit), total: this.users.size };
  }

  async add(user: NewUser): Promise<void> {
    if (this.users.has(user.username)) throw new DuplicateEntryError('username', user.username);
    const now = this.nowSec();
    this.users.set(user.username, { ...user, active: true, createdAt: now, updatedAt: now });
  }

  async update(username: string, patch: UserPatch): Promise<UserRecord> {
    const current = this.users.get(username);
    if (!current) throw new UnknownEntryError('username', username);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next: UserRecord = { ...current, ...defined, updatedAt: this.nowSec() };
    this.users.set(username, next);
    return next;
  }

  async disable(username: string): Promise<void> {
    await this.update(username, { active: false });
  }
}
