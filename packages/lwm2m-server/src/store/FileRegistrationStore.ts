/**
 * The default registration store: in-memory maps (compact, interned values) backed by an
 * append-only journal in a data directory, so registrations — and therefore the devices' location
 * paths `/rd/<id>` — survive a restart of the server. Without `dataDir` it is memory-only.
 */
import { join } from 'node:path';
import type { EditableRegistrationStore, Registration, RegistrationUpdate } from '@chainm2m/lwm2m';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import { ExpiryQueue } from '../registration/ExpiryQueue.js';
import { Interner } from '../registration/Interner.js';
import { Journal, type JournalStats } from './Journal.js';

export interface FileRegistrationStoreOptions {
  /** Directory of the journal (`registrations.jsonl`); memory-only when absent. */
  readonly dataDir?: string;
  readonly interner?: Interner;
  /** Compact when the journal has more than `compactFactor` × live lines (default 2). */
  readonly compactFactor?: number;
  /** ... and at least this many lines (default 10,000). */
  readonly minCompactLines?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type JournalRecord = { readonly p: Registration } | { readonly d: string } | { readonly t: string; readonly at: number };

function isRegistration(v: unknown): v is Registration {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const addr = r['address'] as Record<string, unknown> | undefined;
  return (
    typeof r['id'] === 'string' &&
    typeof r['endpoint'] === 'string' &&
    typeof r['lifetime'] === 'number' &&
    typeof r['lwm2mVersion'] === 'string' &&
    typeof r['binding'] === 'string' &&
    typeof r['queueMode'] === 'boolean' &&
    Array.isArray(r['objectLinks']) &&
    typeof r['rootPath'] === 'string' &&
    typeof addr === 'object' &&
    addr !== null &&
    typeof addr['address'] === 'string' &&
    typeof addr['port'] === 'number' &&
    typeof r['registeredAt'] === 'number' &&
    typeof r['lastUpdateAt'] === 'number'
  );
}

function deadline(r: Registration): number {
  return r.lastUpdateAt + r.lifetime * 1000;
}

export class FileRegistrationStore implements EditableRegistrationStore {
  private readonly byId = new Map<string, Registration>();
  private readonly idByEndpoint = new Map<string, string>();
  private readonly expiry = new ExpiryQueue<string>();
  private readonly interner: Interner;
  private journal: Journal | undefined;

  private constructor(opts: FileRegistrationStoreOptions) {
    this.interner = opts.interner ?? new Interner();
  }

  /** Opens the store, replaying the journal of `dataDir` when given. */
  static async open(opts: FileRegistrationStoreOptions = {}): Promise<FileRegistrationStore> {
    const store = new FileRegistrationStore(opts);
    if (opts.dataDir !== undefined) {
      try {
        store.journal = await Journal.open({
          path: join(opts.dataDir, 'registrations.jsonl'),
          replay: (rec) => store.replay(rec),
          snapshot: () => store.snapshotLines(),
          liveCount: () => store.byId.size,
          ...(opts.compactFactor !== undefined ? { compactFactor: opts.compactFactor } : {}),
          ...(opts.minCompactLines !== undefined ? { minCompactLines: opts.minCompactLines } : {}),
        });
      } catch (cause) {
        throw new Lwm2mServerError('SRV_STORE_FAILURE', 'cannot open the registration journal', { cause, details: { dataDir: opts.dataDir } });
      }
    }
    return store;
  }

  async getById(id: string): Promise<Registration | undefined> {
    return this.byId.get(id);
  }

  async getByEndpoint(endpoint: string): Promise<Registration | undefined> {
    const id = this.idByEndpoint.get(endpoint);
    return id === undefined ? undefined : this.byId.get(id);
  }

  async list(offset: number, limit: number): Promise<readonly Registration[]> {
    const out: Registration[] = [];
    if (limit <= 0) return out;
    let i = 0;
    for (const r of this.byId.values()) {
      if (i++ < offset) continue;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  async count(): Promise<number> {
    return this.byId.size;
  }

  async add(registration: Registration): Promise<Registration | undefined> {
    const r = this.interner.registration(registration);
    const replaced = this.put(r);
    if (replaced && replaced.id !== r.id) this.journal?.append({ d: replaced.id });
    this.journal?.append({ p: r });
    return replaced;
  }

  async update(update: RegistrationUpdate): Promise<Registration | undefined> {
    const current = this.byId.get(update.id);
    if (!current) return undefined;
    const next: Mutable<Registration> = { ...current, lastUpdateAt: update.at };
    if (update.lifetime !== undefined) next.lifetime = update.lifetime;
    if (update.binding !== undefined) next.binding = update.binding;
    if (update.smsNumber !== undefined) next.smsNumber = update.smsNumber;
    if (update.objectLinks !== undefined) next.objectLinks = update.objectLinks;
    if (update.address !== undefined) next.address = update.address;
    const r = this.interner.registration(next);
    this.byId.set(r.id, r);
    this.expiry.set(r.id, deadline(r));
    const onlyTouched = update.lifetime === undefined && update.binding === undefined && update.smsNumber === undefined && update.objectLinks === undefined && update.address === undefined;
    // A plain keep-alive Update journals only its time.
    this.journal?.append(onlyTouched ? { t: r.id, at: r.lastUpdateAt } : { p: r });
    return r;
  }

  async remove(id: string): Promise<Registration | undefined> {
    const r = this.drop(id);
    if (r) this.journal?.append({ d: id });
    return r;
  }

  async removeExpired(now: number): Promise<readonly Registration[]> {
    const out: Registration[] = [];
    for (const id of this.expiry.popDue(now)) {
      const r = this.drop(id);
      if (r) {
        out.push(r);
        this.journal?.append({ d: id });
      }
    }
    return out;
  }

  /** Earliest expiry deadline (Unix ms) of any registration. */
  nextExpiry(): number | undefined {
    return this.expiry.peek();
  }

  /** Resolves when every mutation so far is in the journal file. */
  async flush(): Promise<void> {
    await this.journal?.flush();
  }

  /** Rewrites the journal from the live state. */
  async compact(): Promise<void> {
    await this.journal?.compact();
  }

  async close(): Promise<void> {
    await this.journal?.close();
    this.journal = undefined;
  }

  stats(): { registrations: number; journal?: JournalStats } {
    return { registrations: this.byId.size, ...(this.journal ? { journal: { ...this.journal.counters } } : {}) };
  }

  private put(r: Registration): Registration | undefined {
    const previousId = this.idByEndpoint.get(r.endpoint);
    let replaced: Registration | undefined;
    if (previousId !== undefined) replaced = this.drop(previousId);
    // Same id reused for another endpoint (not expected): drop that one too.
    const sameId = this.byId.get(r.id);
    if (sameId) this.drop(sameId.id);
    this.byId.set(r.id, r);
    this.idByEndpoint.set(r.endpoint, r.id);
    this.expiry.set(r.id, deadline(r));
    return replaced;
  }

  private drop(id: string): Registration | undefined {
    const r = this.byId.get(id);
    if (!r) return undefined;
    this.byId.delete(id);
    if (this.idByEndpoint.get(r.endpoint) === id) this.idByEndpoint.delete(r.endpoint);
    this.expiry.delete(id);
    return r;
  }

  private replay(record: unknown): void {
    const rec = record as Partial<Record<'p' | 'd' | 't' | 'at', unknown>>;
    if (typeof rec.d === 'string') {
      this.drop(rec.d);
      return;
    }
    if (typeof rec.t === 'string' && typeof rec.at === 'number') {
      const r = this.byId.get(rec.t);
      if (r) {
        const next = Object.freeze({ ...r, lastUpdateAt: rec.at });
        this.byId.set(r.id, next);
        this.expiry.set(r.id, deadline(next));
      }
      return;
    }
    if (isRegistration(rec.p)) {
      this.put(this.interner.registration(rec.p));
      return;
    }
    throw new Lwm2mServerError('SRV_STORE_FAILURE', 'bad journal record');
  }

  private *snapshotLines(): Iterable<string> {
    for (const r of this.byId.values()) {
      const rec: JournalRecord = { p: r };
      yield JSON.stringify(rec);
    }
  }
}
