import type { ApiEvent, ClientView } from '../api/types.js';

/** What the console shows of one device. */
export interface FleetDevice {
  readonly client: ClientView;
  /** Unix ms of the last message seen from the device (registration, update, notification, send). */
  readonly lastSeen: number;
  /** `true` once the device deregistered or expired (kept, shown offline). */
  readonly gone: boolean;
  /** Unix ms when the registration's lifetime runs out (from its last update). */
  readonly expiresAt: number;
}

function device(client: ClientView, lastSeen: number, gone = false): FleetDevice {
  return { client, lastSeen, gone, expiresAt: (Date.parse(client.lastUpdateAt) || lastSeen) + client.lifetime * 1000 };
}

export type DeviceState = 'online' | 'sleeping' | 'offline';

/** Online within its lifetime; a queue-mode device quiet for a while is sleeping; gone or expired is offline. */
export function deviceState(d: FleetDevice, now: number): DeviceState {
  if (d.gone || now > d.expiresAt) return 'offline';
  if (d.client.queueMode && now - d.lastSeen > 30_000) return 'sleeping';
  return 'online';
}

/** Per-minute counts of successes and failures (bootstrap and registration), for the activity strip. */
export interface ActivityBucket {
  readonly minute: number;
  readonly ok: number;
  readonly failed: number;
}

export interface FleetState {
  readonly devices: ReadonlyMap<string, FleetDevice>;
  readonly activity: readonly ActivityBucket[];
  /** Bumped on every change, so views can memoise on it. */
  readonly version: number;
  /** Bumped only when devices join, leave or change registration (not when they are merely seen). */
  readonly membership: number;
}

export const emptyFleet: FleetState = { devices: new Map(), activity: [], version: 0, membership: 0 };

/** The fleet as loaded from `GET /api/clients`. */
export function fleetFromClients(clients: readonly ClientView[], now: number): FleetState {
  const devices = new Map<string, FleetDevice>();
  for (const c of clients) devices.set(c.endpoint, device(c, Math.max(Date.parse(c.lastUpdateAt) || now, 0)));
  return { devices, activity: [], version: 1, membership: 1 };
}

const ACTIVITY_MINUTES = 30;

function bump(activity: readonly ActivityBucket[], at: number, ok: boolean): readonly ActivityBucket[] {
  const minute = Math.floor(at / 60_000);
  const last = activity[activity.length - 1];
  const kept = activity.filter((b) => b.minute > minute - ACTIVITY_MINUTES);
  if (last && last.minute === minute) {
    return [...kept.slice(0, -1), { minute, ok: last.ok + (ok ? 1 : 0), failed: last.failed + (ok ? 0 : 1) }];
  }
  return [...kept, { minute, ok: ok ? 1 : 0, failed: ok ? 0 : 1 }];
}

const FAILURES = new Set(['bootstrap-failed', 'handshake-failed', 'registration-failed']);

/**
 * Applies a batch of events from `/api/events` to the fleet (pure; one new map per batch, so 100
 * notifications a second cost one copy, not a hundred).
 */
export function applyEvents(state: FleetState, events: readonly ApiEvent[], now: number): FleetState {
  if (events.length === 0) return state;
  const devices = new Map(state.devices);
  let activity = state.activity;
  let membership = state.membership;
  for (const e of events) {
    const known = devices.get(e.endpoint);
    switch (e.type) {
      case 'registration': {
        const at = new Date(now).toISOString();
        const base: ClientView = known?.client ?? { endpoint: e.endpoint, registrationId: '', lifetime: 0, lwm2mVersion: '', binding: 'U', queueMode: false, rootPath: '/', objectLinks: [], address: '', secure: false, registeredAt: at, lastUpdateAt: at };
        devices.set(e.endpoint, device({ ...base, ...(e.data as Partial<ClientView>), endpoint: e.endpoint, registeredAt: at, lastUpdateAt: at }, now));
        activity = bump(activity, now, true);
        membership += 1;
        break;
      }
      case 'update':
        if (known) {
          devices.set(e.endpoint, device({ ...known.client, ...(e.data as Partial<ClientView>), endpoint: e.endpoint, lastUpdateAt: new Date(now).toISOString() }, now));
          membership += 1;
        }
        break;
      case 'deregistration':
      case 'expiry':
        if (known) {
          devices.set(e.endpoint, { ...known, gone: true });
          membership += 1;
        }
        break;
      case 'notification':
      case 'send':
        if (known) devices.set(e.endpoint, { ...known, lastSeen: now });
        break;
      case 'bootstrap-finished':
        activity = bump(activity, now, true);
        break;
      default:
        if (FAILURES.has(e.type)) activity = bump(activity, now, false);
    }
  }
  return { devices, activity, version: state.version + 1, membership };
}

/** Replaces one device's registration (after `GET /api/clients/:ep`), keeping when it was last seen. */
export function withClient(state: FleetState, client: ClientView, now: number): FleetState {
  const devices = new Map(state.devices);
  devices.set(client.endpoint, device(client, devices.get(client.endpoint)?.lastSeen ?? now));
  return { ...state, devices, version: state.version + 1, membership: state.membership + 1 };
}
