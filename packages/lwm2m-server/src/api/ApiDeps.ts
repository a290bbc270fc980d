import type { AnomalyLog, Clock, ObjectRegistry, Registration } from '@chainm2m/lwm2m';
import type { EndpointService } from '../management/EndpointService.js';
import type { UserService } from '../management/UserService.js';
import type { TrustService } from '../trust/TrustService.js';
import type { JwtConfig } from './jwt.js';
import type { LoginRateLimits } from './LoginRateLimiter.js';
import type { DeviceDataApi } from './deviceDataApi.js';
import type { ProvenanceApiDeps } from './routes/provenanceRoutes.js';
import type { MetricSample } from './metrics.js';

/** Options of a device operation, from the query string. */
export interface DeviceCallOptions {
  /** Content format to ask for / send, as a number (e.g. 11542) — absent lets the server pick. */
  readonly format?: number | undefined;
  /** Overall deadline in milliseconds. */
  readonly timeoutMs?: number | undefined;
}

/** A resource value, or instance content, in the API's JSON form. */
export type JsonContent = unknown;

/**
 * Device operations as the REST API needs them; implemented on top of the LwM2M server's
 * registration and device-management services (`deviceApiFromServer`). Paths are LwM2M paths
 * such as `/3303/0/5700`.
 */
export interface DeviceApi {
  listClients(offset: number, limit: number): Promise<{ readonly items: readonly Registration[]; readonly total: number }>;
  getClient(endpoint: string): Promise<Registration | undefined>;
  read(endpoint: string, path: string, opts: DeviceCallOptions): Promise<JsonContent>;
  write(endpoint: string, path: string, content: JsonContent, opts: DeviceCallOptions & { readonly replace: boolean }): Promise<void>;
  execute(endpoint: string, path: string, args: string | undefined, opts: DeviceCallOptions): Promise<void>;
  create(endpoint: string, path: string, content: JsonContent, opts: DeviceCallOptions): Promise<{ readonly location?: string }>;
  delete(endpoint: string, path: string, opts: DeviceCallOptions): Promise<void>;
  discover(endpoint: string, path: string, opts: DeviceCallOptions): Promise<readonly { readonly path: string; readonly attributes: Readonly<Record<string, string>> }[]>;
  writeAttributes(endpoint: string, path: string, attributes: Readonly<Record<string, string>>, opts: DeviceCallOptions): Promise<void>;
  observe(endpoint: string, path: string, opts: DeviceCallOptions): Promise<JsonContent>;
  cancelObserve(endpoint: string, path: string, opts: DeviceCallOptions & { readonly active: boolean }): Promise<void>;
}

/** Every kind of event `/api/events` carries (its `event:` field). */
export const API_EVENT_TYPES = ['registration', 'update', 'deregistration', 'notification', 'send', 'anomaly', 'bootstrap-failed', 'trust-drop', 'trust-reevaluate'] as const;
export type ApiEventType = (typeof API_EVENT_TYPES)[number];

export interface ApiEvent {
  readonly type: ApiEventType;
  readonly endpoint: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Where server-sent events come from. */
export interface ApiEventSource {
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

export interface ApiDeps {
  readonly users: UserService;
  readonly endpoints: EndpointService;
  readonly devices: DeviceApi;
  /** Composite operations and Send values (routes `…/composite`, `…/data`); absent: not served. */
  readonly deviceData?: DeviceDataApi;
  readonly anomalies: AnomalyLog;
  readonly events: ApiEventSource;
  /** Trust scores and evaluations (`/api/trust`); the routes are absent without it. */
  readonly trust?: TrustService;
  readonly jwt: JwtConfig;
  readonly clock?: Clock;
  /** Wall-clock seconds, for token issue and expiry. */
  readonly nowSec?: () => number;
  readonly loginRateLimits?: LoginRateLimits;
  /** Extra facts for `/health` (chain reachable, cache stale, listeners ...). `ok: false` makes it 503. */
  readonly health?: () => Promise<{ readonly ok: boolean } & Readonly<Record<string, unknown>>>;
  /** Extra gauges for `/metrics`, read at scrape time. */
  readonly gauges?: Readonly<Record<string, { readonly help: string; readonly read: () => number }>>;
  /** Extra counters for `/metrics` kept by other components (e.g. the bootstrap server's), read at scrape time. */
  readonly counters?: Readonly<Record<string, { readonly help: string; readonly read: () => number }>>;
  /** Object models for `GET /api/objects` (names, units, types, operations); the built-in ones by default. */
  readonly objects?: ObjectRegistry;
  /** Directory of the built web console, served at `/` when given. */
  readonly consoleDir?: string;
  /** Provenance routes and recording context; absent: no provenance API. */
  readonly provenance?: ProvenanceApiDeps | undefined;
  /** Extra labelled series for `/metrics` (e.g. DTLS counters by reason), read at scrape time. */
  readonly series?: Readonly<Record<string, { readonly help: string; readonly type: 'counter' | 'gauge'; readonly read: () => readonly MetricSample[] }>>;
  /** fastify's logger option; off by default. Never logs bodies (they may carry keys or passwords). */
  readonly logger?: boolean;
}
