/**
 * Evidence from the LwM2M server's events (seed 003's obligations), counted by the trust service:
 * registrations and updates (obligation kept), expiries (update missed), refused registrations
 * with another endpoint's identity, failed DTLS handshakes of a known identity, and the outcome of
 * every device request made through the API (answered in time, timed out, malformed answer).
 */
import type { Registration, SecurityStore } from '@chainm2m/lwm2m';
import type { InterfaceDescription } from '@chainm2m/trust';
import type { DeviceApi } from '../api/ApiDeps.js';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';
import { Lwm2mServerErrorCode } from '../Lwm2mServerError.js';
import type { TrustService } from './TrustService.js';

/** What `/3/0` says about the device (manufacturer 0, model 1, firmware version 3). */
export type DeviceIdentityReader = (endpoint: string) => Promise<{ manufacturer?: string; model?: string; firmwareVersion?: string }>;

export interface TrustEvidenceOptions {
  readonly trust: TrustService;
  readonly events: Lwm2mServerEvents;
  /** Resolves the PSK identity of a failed handshake to its endpoint. */
  readonly security: SecurityStore;
  /** Reads `/3/0` for the interface description; without it only object links are described. */
  readonly readIdentity?: DeviceIdentityReader;
  readonly onError?: (error: unknown) => void;
}

export function describeInterface(r: Registration, identity: Awaited<ReturnType<DeviceIdentityReader>> = {}): InterfaceDescription {
  return { objectLinks: r.objectLinks.map((l) => ({ path: l.path, version: l.version })), ...identity };
}

const linksKey = (r: Registration): string => r.objectLinks.map((l) => `${l.path};${l.version ?? ''}`).join(',');

/** Subscribes the trust service to the server's events; returns an unsubscribe. */
export function collectTrustEvidence(o: TrustEvidenceOptions): () => void {
  const { trust } = o;
  const fail = (e: unknown): void => o.onError?.(e);
  const describe = (r: Registration): void => {
    void (async () => {
      let identity = {};
      if (o.readIdentity) identity = await o.readIdentity(r.endpoint).catch(() => ({}));
      await trust.observeInterface(r.endpoint, describeInterface(r, identity));
    })().catch(fail);
  };
  const offs = [
    o.events.on('registered', (e) => {
      trust.record(e.registration.endpoint, 'registered');
      if (e.registration.identity !== undefined) trust.record(e.registration.endpoint, 'authenticated');
      describe(e.registration);
    }),
    o.events.on('updated', (e) => {
      trust.record(e.registration.endpoint, 'updateOnTime');
      if (linksKey(e.registration) !== linksKey(e.previous)) describe(e.registration);
    }),
    o.events.on('expired', (e) => trust.record(e.registration.endpoint, 'lifetimeExpired')),
    o.events.on('unauthorized', (e) => {
      if (e.endpoint !== undefined && (e.reason === 'identity-mismatch' || e.reason === 'identity-of-other-endpoint' || e.reason === 'nosec-for-secured-endpoint')) {
        trust.record(e.endpoint, 'identityMismatch');
      }
    }),
    o.events.on('handshakeFailed', (e) => {
      if (e.identity === undefined) return;
      void o.security
        .getByIdentity(e.identity)
        .then((m) => {
          if (m) trust.record(m.info.endpoint, 'handshakeFailed');
        })
        .catch(fail);
    }),
  ];
  return () => offs.forEach((off) => off());
}

/** A DeviceApi that counts, per device, requests answered in time, timed out, or answered with a malformed payload. */
export function withResponseEvidence(devices: DeviceApi, trust: TrustService): DeviceApi {
  const track = <T>(endpoint: string, p: Promise<T>): Promise<T> =>
    p.then(
      (v) => {
        trust.record(endpoint, 'responseOnTime');
        return v;
      },
      (e: unknown) => {
        const code = (e as { code?: unknown }).code;
        if (code === Lwm2mServerErrorCode.DeviceTimeout) trust.record(endpoint, 'responseTimeout');
        else if (code === Lwm2mServerErrorCode.BadResponse) trust.record(endpoint, 'malformedMessage');
        else if (code === Lwm2mServerErrorCode.DeviceError) trust.record(endpoint, 'responseOnTime'); // it answered
        throw e;
      },
    );
  // New DeviceApi methods pass through untouched (prototype); the device calls below are counted.
  const w = Object.create(devices) as DeviceApi;
  w.read = (ep, path, opts) => track(ep, devices.read(ep, path, opts));
  w.write = (ep, path, c, opts) => track(ep, devices.write(ep, path, c, opts));
  w.execute = (ep, path, a, opts) => track(ep, devices.execute(ep, path, a, opts));
  w.create = (ep, path, c, opts) => track(ep, devices.create(ep, path, c, opts));
  w.delete = (ep, path, opts) => track(ep, devices.delete(ep, path, opts));
  w.discover = (ep, path, opts) => track(ep, devices.discover(ep, path, opts));
  w.writeAttributes = (ep, path, a, opts) => track(ep, devices.writeAttributes(ep, path, a, opts));
  w.observe = (ep, path, opts) => track(ep, devices.observe(ep, path, opts));
  w.cancelObserve = (ep, path, opts) => track(ep, devices.cancelObserve(ep, path, opts));
  return w;
}
