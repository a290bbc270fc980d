import type {
  AccountKind,
  EditableSecurityStore,
  IdentityMatch,
  SecurityChange,
  SecurityInfo,
  SecurityListPage,
  SecurityListener,
} from './SecurityStore.js';
import { DuplicateEntryError, InvalidEntryError, UnknownEntryError } from './StoreErrors.js';

interface IdentityRef {
  readonly endpoint: string;
  readonly account: AccountKind;
}

function copy(info: SecurityInfo): SecurityInfo {
  return {
    ...info,
    bootstrap: { ...info.bootstrap, key: info.bootstrap.key.slice() },
    server: { ...info.server, key: info.server.key.slice() },
  };
}

function validate(info: SecurityInfo): void {
  if (typeof info.endpoint !== 'string' || info.endpoint.length === 0) throw new InvalidEntryError('endpoint must be a non-empty string');
  if (!info.bootstrap.identity || !info.server.identity) {
    throw new InvalidEntryError('both PSK identities must be non-empty', { endpoint: info.endpoint });
  }
  if (info.bootstrap.identity === info.server.identity) throw new DuplicateEntryError('identity', info.server.identity);
}

/**
 * `EditableSecurityStore` in a Map, with O(1) lookups by endpoint and by identity.
 * Rejects duplicates of endpoint or of either identity with `DuplicateEntryError`
 * (`LWM2M_STORE_DUPLICATE`); `update` of an unknown endpoint with `UnknownEntryError`.
 * Listeners run synchronously after the change is visible; a throwing listener does not break the store.
 */
export class InMemorySecurityStore implements EditableSecurityStore {
  private readonly byEndpoint = new Map<string, SecurityInfo>();
  private readonly byIdentity = new Map<string, IdentityRef>();
  private readonly listeners = new Set<SecurityListener>();

  constructor(initial: readonly SecurityInfo[] = []) {
    for (const info of initial) this.insert(info);
  }

  async getByEndpoint(endpoint: string): Promise<SecurityInfo | undefined> {
    return this.byEndpoint.get(endpoint);
  }

  async getByIdentity(identity: string): Promise<IdentityMatch | undefined> {
    const ref = this.byIdentity.get(identity);
    if (!ref) return undefined;
    const info = this.byEndpoint.get(ref.endpoint);
    return info ? { info, account: ref.account } : undefined;
  }

  async add(info: SecurityInfo): Promise<void> {
    const stored = this.insert(info);
    this.emit({ kind: 'added', info: stored });
  }

  async addMany(infos: readonly SecurityInfo[]): Promise<void> {
    // Check everything first (all-or-nothing), including duplicates inside the batch.
    const endpoints = new Set<string>();
    const identities = new Set<string>();
    for (const info of infos) {
      validate(info);
      if (this.byEndpoint.has(info.endpoint) || endpoints.has(info.endpoint)) throw new DuplicateEntryError('endpoint', info.endpoint);
      endpoints.add(info.endpoint);
      for (const id of [info.bootstrap.identity, info.server.identity]) {
        if (this.byIdentity.has(id) || identities.has(id)) throw new DuplicateEntryError('identity', id);
        identities.add(id);
      }
    }
    const stored = infos.map((info) => this.insert(info));
    for (const s of stored) this.emit({ kind: 'added', info: s });
  }

  async update(info: SecurityInfo): Promise<void> {
    validate(info);
    const previous = this.byEndpoint.get(info.endpoint);
    if (!previous) throw new UnknownEntryError('endpoint', info.endpoint);
    for (const id of [info.bootstrap.identity, info.server.identity]) {
      const ref = this.byIdentity.get(id);
      if (ref && ref.endpoint !== info.endpoint) throw new DuplicateEntryError('identity', id);
    }
    this.byIdentity.delete(previous.bootstrap.identity);
    this.byIdentity.delete(previous.server.identity);
    const stored = copy(info);
    this.byEndpoint.set(info.endpoint, stored);
    this.byIdentity.set(stored.bootstrap.identity, { endpoint: stored.endpoint, account: 'bootstrap' });
    this.byIdentity.set(stored.server.identity, { endpoint: stored.endpoint, account: 'server' });
    this.emit({ kind: 'updated', info: stored, previous });
  }

  async remove(endpoint: string, compromised: boolean): Promise<boolean> {
    const previous = this.byEndpoint.get(endpoint);
    if (!previous) return false;
    this.byEndpoint.delete(endpoint);
    this.byIdentity.delete(previous.bootstrap.identity);
    this.byIdentity.delete(previous.server.identity);
    this.emit({ kind: 'removed', endpoint, compromised, previous });
    return true;
  }

  async count(): Promise<number> {
    return this.byEndpoint.size;
  }

  async list(offset: number, limit: number): Promise<SecurityListPage> {
    const items: SecurityInfo[] = [];
    const start = Math.max(0, Math.floor(offset));
    const end = start + Math.max(0, Math.floor(limit));
    let i = 0;
    for (const info of this.byEndpoint.values()) {
      if (i >= end) break;
      if (i >= start) items.push(info);
      i += 1;
    }
    return { items, total: this.byEndpoint.size };
  }

  addListener(listener: SecurityListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private insert(info: SecurityInfo): SecurityInfo {
    validate(info);
    if (this.byEndpoint.has(info.endpoint)) throw new DuplicateEntryError('endpoint', info.endpoint);
    for (const id of [info.bootstrap.identity, info.server.identity]) {
      if (this.byIdentity.has(id)) throw new DuplicateEntryError('identity', id);
    }
    const stored = copy(info);
    this.byEndpoint.set(stored.endpoint, stored);
    this.byIdentity.set(stored.bootstrap.identity, { endpoint: stored.endpoint, account: 'bootstrap' });
    this.byIdentity.set(stored.server.identity, { endpoint: stored.endpoint, account: 'server' });
    return stored;
  }

  private emit(change: SecurityChange): void {
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch {
        // a listener's failure is its own business
      }
    }
  }
}
