/**
 * Observe as a server (RFC 7641): the observations of us, one per peer + token. A handler accepts
 * a registration; notifications go NON, and CON at least every `notifyConEvery` notifications or
 * `notifyConIntervalMs`; a RST (to a CON or a remembered NON notification), an unacknowledged CON,
 * a deregistration or a non-2.xx notification ends the observation.
 */
import type { PeerAddress } from '../transport/DatagramTransport.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import { CoapOption, codeClass, encodeMessage, uintOption, type CoapMessage } from './CoapMessage.js';
import { OBSERVE_SEQ_MODULUS } from './observeFreshness.js';
import { FifoMap } from './FifoMap.js';
import { EMPTY, responseCode, responseOptions, type EndpointContext } from './EndpointContext.js';
import type { MessageLayer } from './MessageLayer.js';
import type { BlockwiseServer } from './BlockwiseServer.js';
import type { CoapMethod, CoapResponse, ObserveCancelReason, ObserveRegistration } from './types.js';

/** How many NON notifications are remembered by message id, so that a RST to one ends its observation. */
const MAX_NON_NOTIFY_MIDS = 4096;

export class ObserveServer {
  private readonly observations = new Map<string, ServerObservation>();
  private readonly nonNotifyMids = new FifoMap<string, ServerObservation>();

  constructor(
    private readonly ctx: EndpointContext,
    private readonly messages: MessageLayer,
    private readonly blocks: BlockwiseServer,
  ) {}

  get size(): number {
    return this.observations.size;
  }

  get(tkey: string): ServerObservation | undefined {
    return this.observations.get(tkey);
  }

  /** A registration (GET/FETCH with Observe: 0) to hand to the handler; established by {@link establish}. */
  register(peer: PeerAddress, pk: string, tkey: string, token: Uint8Array, path: readonly string[], query: readonly string[], method: CoapMethod, accept: number | undefined): ServerObservation {
    return new ServerObservation(this, peer, pk, tkey, token, path, query, method, accept);
  }

  /** The handler accepted and answered 2.xx: `reg` replaces any observation on the same token. */
  establish(reg: ServerObservation): void {
    this.observations.get(reg.key)?.end('replaced');
    this.observations.set(reg.key, reg);
    reg.activate();
  }

  /** A RST that matched no CON of ours: it may answer a NON notification. */
  onStrayReset(okey: string): void {
    const obs = this.nonNotifyMids.get(okey);
    if (obs) {
      this.nonNotifyMids.delete(okey);
      obs.end('reset');
    }
  }

  /** Forgets the NON notification ids of a peer. */
  dropPeer(pk: string): void {
    const prefix = `${pk}#`;
    for (const key of [...this.nonNotifyMids.keys()]) if (key.startsWith(prefix)) this.nonNotifyMids.delete(key);
  }

  /** Ends the observations of a peer (or of every peer). */
  endAll(reason: ObserveCancelReason, pk?: string): void {
    for (const o of [...this.observations.values()]) if (pk === undefined || o.pk === pk) o.end(reason);
  }

  clear(): void {
    this.nonNotifyMids.clear();
  }

  /** @internal */
  now(): number {
    return this.ctx.clock.now();
  }

  /** @internal */
  remove(o: ServerObservation): void {
    if (this.observations.get(o.key) === o) this.observations.delete(o.key);
  }

  /** @internal */
  sendNotification(o: ServerObservation, resp: CoapResponse): Promise<void> {
    const code = responseCode(resp);
    const success = codeClass(code) === 2;
    const options = responseOptions(resp);
    if (success) options.push(uintOption(CoapOption.Observe, o.nextSeq()));
    const key2 = `${o.pk}#${o.method}|${o.path.join('/')}?${o.query.join('&')}|${o.acceptFormat ?? ''}`;
    const cut = this.blocks.cutBlock(key2, code, options, resp.payload ?? EMPTY, undefined);
    const now = this.ctx.clock.now();
    o.notifyCount++;
    const { notifyConEvery, notifyConIntervalMs } = this.ctx.settings;
    const con = !success || o.notifyCount % notifyConEvery === 0 || now - o.lastConAt >= notifyConIntervalMs;
    const msg: CoapMessage = {
      type: con ? 'CON' : 'NON',
      code: cut.code,
      messageId: this.messages.newMid(),
      token: o.token,
      options: [...options, ...cut.options],
      payload: cut.payload,
    };
    if (!success) o.end('ended');
    if (!con) {
      const okey = `${o.pk}#${msg.messageId}`;
      this.nonNotifyMids.set(okey, o);
      while (this.nonNotifyMids.size > MAX_NON_NOTIFY_MIDS && this.nonNotifyMids.shift()) {
        // forgot the oldest
      }
      return this.messages.sendBytes(o.peer, encodeMessage(msg)).catch(() => undefined);
    }
    o.lastConAt = now;
    return new Promise<void>((resolve) => {
      this.messages.transmitCon(o.peer, o.pk, msg, resolve, (reason) => {
        if (reason !== 'aborted') o.end(reason);
        resolve();
      });
    });
  }
}

/** Server side of one observation (peer + token). */
export class ServerObservation implements ObserveRegistration {
  accepted = false;
  seq: number;
  notifyCount = 0;
  lastConAt: number;
  /** The request whose separate response a RST may refer to. */
  onSeparateReset: object | undefined;
  private isActive = false;
  private ended = false;
  private readonly cancelCbs: ((reason: ObserveCancelReason) => void)[] = [];

  constructor(
    private readonly host: ObserveServer,
    readonly peer: PeerAddress,
    readonly pk: string,
    readonly key: string,
    readonly token: Uint8Array,
    readonly path: readonly string[],
    readonly query: readonly string[],
    readonly method: CoapMethod,
    readonly acceptFormat: number | undefined,
  ) {
    this.seq = 2;
    this.lastConAt = host.now();
  }

  get active(): boolean {
    return this.isActive;
  }

  accept(): void {
    if (!this.ended) this.accepted = true;
  }

  /** @internal */
  activate(): void {
    this.isActive = true;
  }

  /** @internal */
  nextSeq(): number {
    this.seq = (this.seq + 1) % OBSERVE_SEQ_MODULUS;
    return this.seq;
  }

  notify(resp: CoapResponse): Promise<void> {
    if (!this.isActive) return Promise.resolve();
    try {
      return this.host.sendNotification(this, resp);
    } catch (cause) {
      return Promise.reject(new CoapError(CoapErrorCode.BadRequest, 'notification cannot be encoded', { cause }));
    }
  }

  onCancel(cb: (reason: ObserveCancelReason) => void): void {
    if (this.ended) {
      queueMicrotask(() => cb('ended'));
      return;
    }
    this.cancelCbs.push(cb);
  }

  cancel(): void {
    this.end('ended');
  }

  /** @internal */
  end(reason: ObserveCancelReason): void {
    if (this.ended) return;
    this.ended = true;
    const wasActive = this.isActive;
    this.isActive = false;
    this.host.remove(this);
    if (!wasActive && !this.accepted) return;
    for (const cb of this.cancelCbs.splice(0)) {
      try {
        cb(reason);
      } catch {
        // a listener's error must not break the endpoint
      }
    }
  }
}
