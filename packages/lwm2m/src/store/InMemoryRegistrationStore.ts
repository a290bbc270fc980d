import type { EditableRegistrationStore, Registration, RegistrationUpdate } from './RegistrationStore.js';
import { InvalidEntryError } from './StoreErrors.js';
import { MinHeap } from './MinHeap.js';

/** When a registration expires: `lastUpdateAt + lifetime` seconds (Unix ms). */
export function registrationExpiresAt(r: Registration): number {
  return r.lastUpdateAt + r.lifetime * 1000;
}

/** `true` when `r` has expired at `now` (Unix ms): its expiry is at or before `now`. */
export function isRegistrationExpired(r: Registration, now: number): boolean {
  return registrationExpiresAt(r) <= now;
}

/**
 * `EditableRegistrationStore` in Maps, with expiries in a min-heap: `removeExpired(now)` costs
 * O(k log n) for k expired registrations, not a scan of all of them. Heap entries made stale by
 * updates or removals are skipped lazily and compacted when they outnumber the live ones.
 */
export class InMemoryRegistrationStore implements EditableRegistrationStore {
  private readonly byId = new Map<string, Registration>();
  private readonly idByEndpoint = new Map<string, string>();
  private readonly expiries = new MinHeap<{ readonly id: string; readonly at: number }>();

  async getById(id: string): Promise<Registration | undefined> {
    return this.byId.get(id);
  }

  async getByEndpoint(endpoint: string): Promise<Registration | undefined> {
    const id = this.idByEndpoint.get(endpoint);
    return id === undefined ? undefined : this.byId.get(id);
  }

  async list(offset: number, limit: number): Promise<readonly Registration[]> {
    const out: Registration[] = [];
    const start = Math.max(0, Math.floor(offset));
    const end = start + Math.max(0, Math.floor(limit));
    let i = 0;
    for (const r of this.byId.values()) {
      if (i >= end) break;
      if (i >= start) out.push(r);
      i += 1;
    }
    return out;
  }

  async count(): Promise<number> {
    return this.byId.size;
  }

  async add(registration: Registration): Promise<Registration | undefined> {
    if (!registration.id || !registration.endpoint) throw new InvalidEntryError('registration needs an id and an endpoint');
    if (!(registration.lifetime > 0)) throw new InvalidEntryError('lifetime must be positive', { lifetime: registration.lifetime });
    const previousId = this.idByEndpoint.get(registration.endpoint);
    const previous = previousId === undefined ? undefined : this.byId.get(previousId);
    if (previous) this.byId.delete(previous.id);
    // An id reused by another endpoint replaces that registration too.
    const sameId = this.byId.get(registration.id);
    if (sameId) this.idByEndpoint.delete(sameId.endpoint);
    this.byId.set(registration.id, registration);
    this.idByEndpoint.set(registration.endpoint, registration.id);
    this.schedule(registration);
    return previous;
  }

  async update(update: RegistrationUpdate): Promise<Registration | undefined> {
    const current = this.byId.get(update.id);
    if (!current) return undefined;
    if (update.lifetime !== undefined && !(update.lifetime > 0)) {
      throw new InvalidEntryError('lifetime must be positive', { lifetime: update.lifetime });
    }
    const next: Registration = {
      ...current,
      ...(update.lifetime !== undefined ? { lifetime: update.lifetime } : {}),
      ...(update.binding !== undefined ? { binding: update.binding } : {}),
      ...(update.smsNumber !== undefined ? { smsNumber: update.smsNumber } : {}),
      ...(update.objectLinks !== undefined ? { objectLinks: update.objectLinks } : {}),
      ...(update.address !== undefined ? { address: update.address } : {}),
      lastUpdateAt: update.at,
    };
    this.byId.set(next.id, next);
    this.schedule(next);
    return next;
  }

  async remove(id: string): Promise<Registration | undefined> {
    const current = this.byId.get(id);
    if (!current) return undefined;
    this.byId.delete(id);
    if (this.idByEndpoint.get(current.endpoint) === id) this.idByEndpoint.delete(current.endpoint);
    this.compactIfStale();
    return current;
  }

  async removeExpired(now: number): Promise<readonly Registration[]> {
    const removed: Registration[] = [];
    for (;;) {
      const at = this.expiries.peekKey();
      if (at === undefined || at > now) break;
      const entry = this.expiries.pop();
      if (!entry) break;
      const current = this.byId.get(entry.id);
      // Stale entry: removed, or re-scheduled by an update / a new registration with this id.
      if (!current || registrationExpiresAt(current) !== entry.at) continue;
      this.byId.delete(current.id);
      if (this.idByEndpoint.get(current.endpoint) === current.id) this.idByEndpoint.delete(current.endpoint);
      removed.push(current);
    }
    return removed;
  }

  /** Earliest expiry among live registrations' heap entries (may be stale-early), for scheduling a timer. */
  nextExpiry(): number | undefined {
    return this.expiries.peekKey();
  }

  private schedule(r: Registration): void {
    this.expiries.push(registrationExpiresAt(r), { id: r.id, at: registrationExpiresAt(r) });
    this.compactIfStale();
  }

  private compactIfStale(): void {
    if (this.expiries.size > 2 * this.byId.size + 1024) {
      this.expiries.filter((at, e) => {
        const r = this.byId.get(e.id);
        return r !== undefined && registrationExpiresAt(r) === at;
      });
    }
  }
}
