import type { AnomalyLog, Clock, Registration } from '@chainm2m/lwm2m';
import type { EndpointService } from '../management/EndpointService.js';
import type { UserService } from '../management/UserService.js';
import type { JwtConfig } from './jwt.js';
import type { LoginRateLimits } from './LoginRateLimiter.js';
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
  /** Clearance an endpoint requires of the caller (from its security record); 0 when unknown. */
  clearanceOf(endpoint: string): Promise<number>;
}

export type ApiEventType = 'registration' | 'update' | 'deregistration' | 'notification' | 'anomaly';

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
  readonly anomalies: AnomalyLog;
  readonly events: ApiEventSource;
  readonly jwt: JwtConfig;
  readonly clock?: Clock;
  /** Wall-clock seconds, for token issue and expiry. */
  readonly nowSec?: () => number;
  readonly loginRateLimits?: LoginRateLimits;
  /** Extra facts for `/health` (chain reachable, cache stale, listeners ...). `ok: false` makes it 503. */
  readonly health?: () => Promise<{ readonly ok: boolean } & Readonly<Record<string, unknown>>>;
  /** Extra gauges for `/metrics`, read at scrape time. */
  readonly gauges?: Readonly<Record<string, { readonly help: string; readonly read: () => number }>>;
  /** Extra labelled series for `/metrics` (e.g. DTLS counters by reason), read at scrape time. */
  readonly series?: Readonly<Record<string, { readonly help: string; readonly type: 'counter' | 'gauge'; readonly read: () => readonly MetricSample[] }>>;
  /** fastify's logger option; off by default. Never logs bodies (they may carry keys or passwords). */
  readonly logger?: boolean;
}
