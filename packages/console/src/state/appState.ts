import { ApiClient } from '../api/ApiClient.js';
import { followEvents, type EventStreamHandle } from '../api/eventStream.js';
import type { ApiEvent, ClientView, Page, Session } from '../api/types.js';
import { applyEvents, emptyFleet, fleetFromClients, withClient, type FleetState } from './fleet.js';
import { Store } from './Store.js';

export interface AppState {
  readonly session: Session | undefined;
  readonly fleet: FleetState;
  readonly connected: boolean;
  /** Why the user was sent back to the login page, if they were. */
  readonly loggedOutReason?: string;
}

const SESSION_KEY = 'chainm2m.session';
const FLUSH_MS = 250;

/** Listeners for raw events (device page charts, anomaly page), beside the fleet reducer. */
type EventListener = (event: ApiEvent) => void;

/**
 * The console's state and its only connection to the server: the session (JWT in memory, mirrored
 * in session storage so a reload keeps you logged in, never in a URL), the fleet, and the event stream.
 */
export class App {
  readonly store: Store<AppState>;
  readonly api: ApiClient;
  private stream: EventStreamHandle | undefined;
  private pending: ApiEvent[] = [];
  private flushScheduled = false;
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly storage: Storage | undefined = globalThis.sessionStorage) {
    this.api = new ApiClient({ onUnauthorized: () => this.logout('Your session ended (expired or revoked). Log in again.') });
    const saved = this.loadSession();
    this.store = new Store<AppState>({ session: saved, fleet: emptyFleet, connected: false });
    if (saved) this.start(saved);
  }

  async login(username: string, password: string): Promise<void> {
    const session = await this.api.login(username, password);
    this.storage?.setItem(SESSION_KEY, JSON.stringify(session));
    this.store.update((s) => ({ ...s, session, loggedOutReason: undefined }));
    this.start(session);
  }

  logout(reason?: string): void {
    if (!this.store.get().session) return;
    this.stream?.close();
    this.stream = undefined;
    this.api.setSession(undefined);
    this.storage?.removeItem(SESSION_KEY);
    this.store.set({ session: undefined, fleet: emptyFleet, connected: false, ...(reason ? { loggedOutReason: reason } : {}) });
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads every registered client, page by page (1,000 per call). */
  async reloadFleet(): Promise<void> {
    const all: ClientView[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.api.get<Page<ClientView>>(`/api/clients?offset=${offset}&limit=1000`);
      all.push(...page.items);
      if (page.items.length < 1000 || all.length >= page.total) break;
    }
    this.store.update((s) => ({ ...s, fleet: fleetFromClients(all, Date.now()) }));
  }

  private start(session: Session): void {
    this.api.setSession(session);
    if (session.expiresAt <= Date.now()) {
      this.logout('Your session expired. Log in again.');
      return;
    }
    this.stream?.close();
    this.stream = followEvents(
      this.api,
      (e) => this.enqueue(e),
      (connected) => this.store.update((s) => ({ ...s, connected })),
    );
    void this.reloadFleet().catch(() => undefined);
  }

  /** Events are applied in batches, at most four times a second, whatever their rate. */
  private enqueue(e: ApiEvent): void {
    this.pending.push(e);
    for (const l of this.listeners) l(e);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const flush = (): void => {
      this.flushScheduled = false;
      const batch = this.pending;
      this.pending = [];
      this.store.update((s) => ({ ...s, fleet: applyEvents(s.fleet, batch, Date.now()) }));
      const unknown = batch.filter((x) => x.type === 'registration').map((x) => x.endpoint);
      for (const ep of new Set(unknown)) void this.refreshClient(ep);
    };
    setTimeout(flush, FLUSH_MS);
  }

  private async refreshClient(endpoint: string): Promise<void> {
    try {
      const client = await this.api.get<ClientView>(`/api/clients/${encodeURIComponent(endpoint)}`);
      this.store.update((s) => ({ ...s, fleet: withClient(s.fleet, client, Date.now()) }));
    } catch {
      /* gone again, or not visible at this clearance */
    }
  }

  private loadSession(): Session | undefined {
    try {
      const raw = this.storage?.getItem(SESSION_KEY);
      return raw ? (JSON.parse(raw) as Session) : undefined;
    } catch {
      return undefined;
    }
  }
}
