/**
 * Information Reporting "Send" (LwM2M 1.1 TS Core §6.4.4, `POST /dp`, SenML-JSON or SenML-CBOR):
 * a registered client pushes values; they become the latest known per path (`LatestValues`) and a
 * `send` event carries them with the times the client gave. A Send from a peer that is not
 * registered is refused (4.03) and reported as a `sendRefused` event.
 */
import {
  COMPOSITE_FORMATS,
  Lwm2mError,
  decodeTimestampedResources,
  errorResponseCode,
  type ObjectRegistry,
  type Registration,
  type RegistrationStore,
  type SecurityStore,
} from '@chainm2m/lwm2m';
import type { InboundCoapRequest, OutboundCoapResponse } from '../coap/CoapPorts.js';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';
import type { LatestValue, LatestValues } from './LatestValues.js';

export interface SendHandlerOptions {
  readonly registrations: RegistrationStore;
  readonly securityStore: SecurityStore;
  readonly events: Lwm2mServerEvents;
  readonly latest: LatestValues;
  readonly objects: ObjectRegistry;
  /** Unix ms. */
  readonly wallTime: () => number;
}

export interface SendStats {
  readonly accepted: number;
  readonly refused: number;
  readonly values: number;
}

const enc = new TextEncoder();
const peerKey = (p: { address: string; port: number }): string => `${p.address}|${p.port}`;

export class SendHandler {
  /** NoSec registrations by transport address (a DTLS peer is known by its identity). */
  private readonly byPeer = new Map<string, string>();
  private readonly unsubscribe: (() => void)[];
  private counters = { accepted: 0, refused: 0, values: 0 };

  constructor(private readonly opts: SendHandlerOptions) {
    const track = (r: Registration): void => {
      if (r.identity === undefined) this.byPeer.set(peerKey(r.address), r.id);
    };
    const untrack = (r: Registration): void => {
      const k = peerKey(r.address);
      if (this.byPeer.get(k) === r.id) this.byPeer.delete(k);
    };
    const ev = opts.events;
    this.unsubscribe = [
      ev.on('registered', (e) => track(e.registration)),
      ev.on('updated', (e) => {
        untrack(e.previous);
        track(e.registration);
      }),
      ev.on('deregistered', (e) => untrack(e.registration)),
      ev.on('expired', (e) => untrack(e.registration)),
    ];
  }

  static matches(req: Pick<InboundCoapRequest, 'path'>): boolean {
    return req.path[0] === 'dp';
  }

  stats(): SendStats {
    return { ...this.counters };
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }

  /** Handles one `/dp` request. Never throws: failures become CoAP error codes with a diagnostic. */
  async handle(req: InboundCoapRequest): Promise<OutboundCoapResponse> {
    let reg: Registration | undefined;
    try {
      reg = await this.sender(req);
    } catch {
      // The security or registration store is unavailable: the client retries.
      return { code: '5.03', maxAge: 30 };
    }
    if (!reg) return this.refuse(req, 'not-registered', '4.03', 'send from a client that is not registered');
    try {
      // Not `parseUplinkRequest`: its Send keeps one value per resource, a Send may carry history.
      if (req.path.length !== 1) return this.refuse(req, 'bad-request', '4.04', 'no LwM2M operation at this URI', reg.endpoint);
      if (req.method !== 'POST') return this.refuse(req, 'bad-request', '4.05', 'send must be POST', reg.endpoint);
      const format = req.contentFormat;
      if (format === undefined || !COMPOSITE_FORMATS.includes(format)) return this.refuse(req, 'bad-request', '4.15', 'send takes SenML-JSON or SenML-CBOR', reg.endpoint);
      const receivedAt = this.opts.wallTime();
      const decoded = decodeTimestampedResources(req.payload, format, { model: this.opts.objects, now: Math.floor(receivedAt / 1000) });
      const values: LatestValue[] = decoded.map((d) => ({ path: d.path.toString(), node: d.node, receivedAt, ...(d.time !== undefined ? { time: Math.round(d.time * 1000) } : {}) }));
      this.opts.latest.record(reg.endpoint, values);
      this.counters.accepted += 1;
      this.counters.values += values.length;
      this.opts.events.emit('send', { endpoint: reg.endpoint, registrationId: reg.id, values, at: receivedAt });
      return { code: '2.04' };
    } catch (err) {
      const message = err instanceof Lwm2mError ? err.message : 'cannot decode the values';
      return this.refuse(req, 'bad-request', errorResponseCode(err), message, reg.endpoint);
    }
  }

  private refuse(req: InboundCoapRequest, reason: 'not-registered' | 'bad-request', code: string, message: string, endpoint?: string): OutboundCoapResponse {
    this.counters.refused += 1;
    this.opts.events.emit('sendRefused', {
      peer: { address: req.peer.address, port: req.peer.port },
      reason,
      coapCode: code,
      message,
      at: this.opts.wallTime(),
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(req.security.pskIdentity !== undefined ? { identity: req.security.pskIdentity } : {}),
    });
    return { code, payload: enc.encode(message.slice(0, 120)) };
  }

  /** The registration the request comes from: by DTLS identity, or by address for NoSec. */
  private async sender(req: InboundCoapRequest): Promise<Registration | undefined> {
    const identity = req.security.pskIdentity;
    if (identity !== undefined) {
      const match = await this.opts.securityStore.getByIdentity(identity);
      if (!match || match.account !== 'server') return undefined;
      const reg = await this.opts.registrations.getByEndpoint(match.info.endpoint);
      return reg && reg.identity === identity ? reg : undefined;
    }
    const id = this.byPeer.get(peerKey(req.peer));
    if (id === undefined) return undefined;
    const reg = await this.opts.registrations.getById(id);
    return reg && reg.identity === undefined && peerKey(reg.address) === peerKey(req.peer) ? reg : undefined;
  }
}
