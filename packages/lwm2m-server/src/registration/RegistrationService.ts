/**
 * What the REST API and the CLI call about registrations: list/get, server-side removal, and the
 * server's typed events (registered, updated, deregistered, expired, unauthorized, notification,
 * awake). Thin over the store; the protocol side lives in `RegistrationHandler`.
 */
import type { Registration, RegistrationStore } from '@chainm2m/lwm2m';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';
import type { RegistrationHandler } from './RegistrationHandler.js';

export interface RegistrationListOptions {
  /** Default 0. */
  readonly offset?: number;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

export interface RegistrationPage {
  readonly items: readonly Registration[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

export const MAX_PAGE_SIZE = 1000;

export class RegistrationService {
  constructor(
    private readonly deps: {
      readonly store: RegistrationStore;
      readonly handler: RegistrationHandler;
      readonly events: Lwm2mServerEvents;
    },
  ) {}

  /** The server's typed event emitter (`events.on('registered', cb)` returns an unsubscribe function). */
  get events(): Lwm2mServerEvents {
    return this.deps.events;
  }

  async list(opts: RegistrationListOptions = {}): Promise<RegistrationPage> {
    const offset = Math.max(0, Math.floor(opts.offset ?? 0));
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(0, Math.floor(opts.limit ?? 100)));
    const [items, total] = await Promise.all([this.deps.store.list(offset, limit), this.deps.store.count()]);
    return { items, total, offset, limit };
  }

  /** The registration of an endpoint, `undefined` when it is not registered. */
  get(endpoint: string): Promise<Registration | undefined> {
    return this.deps.store.getByEndpoint(endpoint);
  }

  getById(id: string): Promise<Registration | undefined> {
    return this.deps.store.getById(id);
  }

  /** Like `get`, but throws `Lwm2mServerError` `DEVICE_NOT_REGISTERED`. */
  async require(endpoint: string): Promise<Registration> {
    const r = await this.deps.store.getByEndpoint(endpoint);
    if (!r) throw new Lwm2mServerError('SRV_DEVICE_NOT_REGISTERED', `endpoint is not registered`, { details: { endpoint } });
    return r;
  }

  count(): Promise<number> {
    return this.deps.store.count();
  }

  /** Unix ms at which the registration expires unless updated. */
  expiresAt(r: Registration): number {
    return r.lastUpdateAt + r.lifetime * 1000;
  }

  /** Removes the registration of `endpoint` on the server's initiative; `false` when none. */
  async deregister(endpoint: string): Promise<boolean> {
    const r = await this.deps.store.getByEndpoint(endpoint);
    if (!r) return false;
    return (await this.deps.handler.remove(r.id, 'admin')) !== undefined;
  }
}
