import {
  InvalidRequestError,
  SystemClock,
  errorResponseCode,
  parseUplinkRequest,
  type BootstrapConfig,
  type BootstrapConfigStore,
  type Clock,
  type PeerAddress,
  type SecurityStore,
} from '@chainm2m/lwm2m';
import { BootstrapPolicy, type BootstrapFailure, type BootstrapPolicyOptions, type BootstrapRequest, type PolicyOutcome, type StepResult } from './BootstrapPolicy.js';
import { FormatMemory } from './plan/FormatMemory.js';
import type { BootstrapEventMap, RejectedReason, SessionRef, UnauthorizedReason } from './BootstrapEvents.js';
import type { BootstrapRequester, InboundRequest, OutboundRequest, OutboundResponse } from './coapShapes.js';
import { TypedEmitter } from '@chainm2m/lwm2m';

export interface BootstrapSessionManagerOptions {
  readonly securityStore: SecurityStore;
  readonly configStore: BootstrapConfigStore;
  readonly clock?: Clock;
  /** A policy, or options for the default one. */
  readonly policy?: BootstrapPolicy | BootstrapPolicyOptions;
  /** Delay between answering 2.04 and sending the first request, ms (default 0: next timer tick). */
  readonly startDelayMs?: number;
  /** Concurrent sessions beyond which a Bootstrap-Request gets 5.03 (default 10,000). */
  readonly maxSessions?: number;
  /** Which write format worked per endpoint (default: in memory, 100,000 endpoints). */
  readonly formatMemory?: FormatMemory;
}

export interface BootstrapStats {
  readonly started: number;
  readonly active: number;
  readonly finished: number;
  readonly failed: number;
  readonly unauthorized: number;
  readonly rejected: number;
  readonly requestsSent: number;
}

interface Session extends SessionRef {
  readonly key: string;
  readonly config: BootstrapConfig;
  readonly pct: readonly number[];
  readonly startedAt: number;
  readonly requester: BootstrapRequester;
  steps: number;
  /** Set when the session must end early; `interrupt` wakes a pending request. */
  abortReason?: string;
  /** Set as soon as the device's (DTLS) session is down; what the session ends with unless it finishes. */
  downReason?: string;
  interrupt?: (reason: string) => void;
  done: Promise<void>;
}


const METHODS: ReadonlySet<string> = new Set(['GET', 'DELETE', 'PUT', 'POST']);

function errorCode(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return 'error';
}

/**
 * Serves `POST /bs?ep=…[&pct=…]` and drives one independent session per client: authorization
 * against the `SecurityStore` (the PSK identity of the DTLS session must be the *bootstrap*
 * identity of `ep`), then the `BootstrapPolicy`'s requests, sent as CoAP client towards the device.
 * Sessions share no lock: many devices bootstrap at once.
 */
export class BootstrapSessionManager {
  readonly events = new TypedEmitter<BootstrapEventMap>();
  private readonly securityStore: SecurityStore;
  private readonly configStore: BootstrapConfigStore;
  private readonly clock: Clock;
  private readonly policy: BootstrapPolicy;
  private readonly startDelayMs: number;
  private readonly maxSessions: number;
  private readonly formatMemory: FormatMemory;
  /** By transport + peer (`<requester id>|<address>|<port>`). */
  private readonly sessions = new Map<string, Session>();
  /** The session of each endpoint: one bootstrap per endpoint at a time. */
  private readonly byEndpoint = new Map<string, Session>();
  private readonly requesterIds = new WeakMap<BootstrapRequester, number>();
  private requesterSeq = 0;
  private seq = 0;
  private closed = false;
  private counters = { started: 0, finished: 0, failed: 0, unauthorized: 0, rejected: 0, requestsSent: 0 };

  constructor(options: BootstrapSessionManagerOptions) {
    this.securityStore = options.securityStore;
    this.configStore = options.configStore;
    this.clock = options.clock ?? SystemClock;
    this.policy = options.policy instanceof BootstrapPolicy ? options.policy : new BootstrapPolicy(options.policy);
    this.startDelayMs = options.startDelayMs ?? 0;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.formatMemory = options.formatMemory ?? new FormatMemory();
  }

  /** A CoAP request handler for one endpoint; sessions it starts send their requests through `requester`. */
  handlerFor(requester: BootstrapRequester): (req: InboundRequest) => Promise<OutboundResponse> {
    return (req) => this.handle(req, requester);
  }

  private sessionKey(requester: BootstrapRequester, p: PeerAddress): string {
    let id = this.requesterIds.get(requester);
    if (id === undefined) {
      id = ++this.requesterSeq;
      this.requesterIds.set(requester, id);
    }
    return `${id}|${p.address}|${p.port}`;
  }

  /** Handles one inbound CoAP request (anything other than `POST /bs` is refused). */
  async handle(req: InboundRequest, requester: BootstrapRequester): Promise<OutboundResponse> {
    const peer = req.peer;
    const identity = req.security.pskIdentity;
    if (req.path.length !== 1 || req.path[0] !== 'bs') return this.reject(req, undefined, 'not-found', '4.04');
    if (req.method !== 'POST') return this.reject(req, undefined, 'method-not-allowed', '4.05');
    if (this.closed) return this.reject(req, undefined, 'closed', '5.03');

    let endpoint: string;
    let pct: number[];
    try {
      // The one parser of uplink requests (rules: the lwm2m package README); path and method checked above.
      const op = parseUplinkRequest({ method: 'POST', path: ['bs'], query: req.query, payload: new Uint8Array(0) }, { accept: ['bootstrap-request'] });
      if (op.kind !== 'bootstrap-request') return this.reject(req, undefined, 'not-found', '4.04');
      endpoint = op.endpoint;
      pct = op.preferredContentFormat === undefined ? [] : [op.preferredContentFormat];
    } catch (err) {
      const param = err instanceof InvalidRequestError ? err.details?.['param'] : undefined;
      return this.reject(req, undefined, param === 'pct' ? 'bad-pct' : 'missing-endpoint', errorResponseCode(err));
    }

    let config: BootstrapConfig | undefined;
    try {
      const refusal = await this.authorize(endpoint, identity);
      if (refusal) {
        this.counters.unauthorized += 1;
        this.events.emit('unauthorized', {
          endpoint,
          peer,
          ...(identity === undefined ? {} : { identity }),
          ...(refusal.identityEndpoint === undefined ? {} : { identityEndpoint: refusal.identityEndpoint }),
          reason: refusal.reason,
          code: refusal.code,
          at: this.clock.now(),
        });
        return { code: refusal.code };
      }
      config = await this.configStore.get({ endpoint, ...(identity === undefined ? {} : { identity }) });
    } catch {
      return this.reject(req, endpoint, 'store-error', '5.00');
    }
    if (!config) return this.reject(req, endpoint, 'no-config', '4.00');
    if (this.closed) return this.reject(req, endpoint, 'closed', '5.03');

    const key = this.sessionKey(requester, peer);
    const previous = this.sessions.get(key);
    if (previous) this.abort(previous, 'superseded by a new Bootstrap-Request');
    const sameEndpoint = this.byEndpoint.get(endpoint);
    if (sameEndpoint) this.abort(sameEndpoint, 'superseded by a new Bootstrap-Request of the same endpoint');
    if (this.sessions.size >= this.maxSessions) return this.reject(req, endpoint, 'too-many-sessions', '5.03');

    this.seq += 1;
    const session: Session = {
      sessionId: `bs-${this.seq}`,
      key,
      endpoint,
      peer,
      ...(identity === undefined ? {} : { identity }),
      config,
      pct,
      startedAt: this.clock.now(),
      requester,
      steps: 0,
      done: Promise.resolve(),
    };
    this.sessions.set(key, session);
    this.byEndpoint.set(endpoint, session);
    this.counters.started += 1;
    this.events.emit('started', { ...this.ref(session), pct, at: session.startedAt });
    // Answer 2.04 first; the session's requests start on the next timer tick.
    session.done = new Promise<void>((resolve) => {
      let started = false;
      const timer = this.clock.setTimer(this.startDelayMs, () => {
        started = true;
        void this.run(session).finally(resolve);
      });
      session.interrupt = (reason) => {
        if (started) return;
        timer.cancel();
        this.end(session, { kind: 'failed', reason });
        resolve();
      };
    });
    return { code: '2.04' };
  }

  /** Ends the session of a peer whose (DTLS) session on `requester`'s transport went down. */
  peerDown(requester: BootstrapRequester, peer: PeerAddress, reason = 'DTLS session closed'): void {
    const s = this.sessions.get(this.sessionKey(requester, peer));
    if (!s) return;
    // A device that answers Bootstrap-Finish and then closes its session (close_notify) sends both in
    // one burst: the answer, already received, settles first; a session that would go on, or is
    // still waiting, fails with the reason.
    s.downReason ??= reason;
    this.clock.setTimer(0, () => {
      if (this.sessions.get(this.sessionKey(requester, peer)) === s) this.abort(s, reason);
    });
  }

  /** Sessions in progress. */
  get active(): number {
    return this.sessions.size;
  }

  stats(): BootstrapStats {
    return { ...this.counters, active: this.sessions.size };
  }

  /** Ends every session (failed: `server closing`) and waits for them; later requests get 5.03. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.sessions.values()];
    for (const s of all) this.abort(s, 'server closing');
    await Promise.all(all.map((s) => s.done));
  }

  private async authorize(
    endpoint: string,
    identity: string | undefined,
  ): Promise<{ reason: UnauthorizedReason; code: '4.00' | '4.03'; identityEndpoint?: string } | undefined> {
    if (identity === undefined) {
      // NoSec: only for endpoints that have no PSK account at all (configured for NoSec bootstrap).
      const info = await this.securityStore.getByEndpoint(endpoint);
      if (info) return { reason: 'psk-required', code: '4.03' };
      return undefined; // the config store decides whether it is known (no config -> 4.00)
    }
    const match = await this.securityStore.getByIdentity(identity);
    if (!match) return { reason: 'unknown-identity', code: '4.03' };
    if (match.info.endpoint === endpoint) {
      return match.account === 'bootstrap' ? undefined : { reason: 'server-identity', code: '4.03', identityEndpoint: endpoint };
    }
    const target = await this.securityStore.getByEndpoint(endpoint);
    if (!target) return { reason: 'unknown-endpoint', code: '4.00', identityEndpoint: match.info.endpoint };
    return { reason: 'identity-mismatch', code: '4.03', identityEndpoint: match.info.endpoint };
  }

  private reject(req: InboundRequest, endpoint: string | undefined, reason: RejectedReason, code: string): OutboundResponse {
    this.counters.rejected += 1;
    const identity = req.security.pskIdentity;
    this.events.emit('rejected', {
      ...(endpoint === undefined ? {} : { endpoint }),
      peer: req.peer,
      ...(identity === undefined ? {} : { identity }),
      reason,
      code,
      at: this.clock.now(),
    });
    return { code };
  }

  private ref(s: Session): SessionRef {
    return { sessionId: s.sessionId, endpoint: s.endpoint, peer: s.peer, ...(s.identity === undefined ? {} : { identity: s.identity }) };
  }

  private abort(s: Session, reason: string): void {
    if (s.abortReason !== undefined) return;
    s.abortReason = reason;
    // Remove now so that a new session from the same peer or endpoint can take the slot.
    this.forget(s);
    s.interrupt?.(reason);
  }

  private async run(s: Session): Promise<void> {
    let out: PolicyOutcome = this.policy.start(s.config, s.pct, this.formatMemory.get(s.endpoint));
    while (out.decision.kind === 'continueWith') {
      if (s.abortReason === undefined && s.downReason !== undefined) s.abortReason = s.downReason;
      if (s.abortReason !== undefined) break;
      const req = out.decision.request;
      const t0 = this.clock.now();
      const result = await this.perform(s, req);
      if (s.abortReason === undefined && s.downReason !== undefined && result.kind === 'error') s.abortReason = s.downReason;
      if (s.abortReason !== undefined) break;
      s.steps += 1;
      this.events.emit('step', {
        ...this.ref(s),
        operation: req.kind,
        path: req.path,
        ...(req.contentFormat === undefined ? {} : { contentFormat: req.contentFormat }),
        attempt: req.attempt,
        result: result.kind === 'response' ? result.code : result.kind,
        ...(result.kind === 'error' ? { error: result.reason } : {}),
        durationMs: this.clock.now() - t0,
      });
      out = this.policy.next(out.state, result);
    }
    const d = out.decision;
    if (s.abortReason !== undefined) this.end(s, { kind: 'failed', reason: s.abortReason });
    else if (d.kind === 'finished') {
      if (d.writeMode !== undefined) this.formatMemory.set(s.endpoint, d.writeMode);
      this.end(s, { kind: 'finished' });
    } else if (d.kind === 'failed') {
      const { kind: _kind, ...failure } = d;
      this.end(s, { kind: 'failed', ...failure });
    }
  }

  private forget(s: Session): void {
    if (this.sessions.get(s.key) === s) this.sessions.delete(s.key);
    if (this.byEndpoint.get(s.endpoint) === s) this.byEndpoint.delete(s.endpoint);
  }

  private end(s: Session, how: { kind: 'finished' } | ({ kind: 'failed' } & BootstrapFailure)): void {
    this.forget(s);
    const durationMs = this.clock.now() - s.startedAt;
    if (how.kind === 'finished') {
      this.counters.finished += 1;
      this.events.emit('finished', { ...this.ref(s), durationMs, steps: s.steps });
    } else {
      this.counters.failed += 1;
      const { kind: _kind, ...failure } = how;
      this.events.emit('failed', { ...this.ref(s), ...failure, durationMs, steps: s.steps, at: this.clock.now() });
    }
  }

  /** One request with its own deadline on the injected clock; never rejects. */
  private perform(s: Session, req: BootstrapRequest): Promise<StepResult> {
    this.counters.requestsSent += 1;
    return new Promise<StepResult>((resolve) => {
      let settled = false;
      const settle = (r: StepResult): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        s.interrupt = undefined;
        resolve(r);
      };
      const timer = this.clock.setTimer(req.timeoutMs, () => settle({ kind: 'timeout' }));
      s.interrupt = (reason) => settle({ kind: 'error', reason });
      const { coap } = req;
      if (!METHODS.has(coap.method)) {
        settle({ kind: 'error', reason: `internal: method ${coap.method}` });
        return;
      }
      const out: OutboundRequest = {
        method: coap.method as OutboundRequest['method'],
        path: coap.path,
        ...(coap.contentFormat === undefined ? {} : { contentFormat: coap.contentFormat }),
        ...(coap.accept === undefined ? {} : { accept: coap.accept }),
        ...(coap.payload === undefined ? {} : { payload: coap.payload }),
        confirmable: true,
        timeoutMs: req.timeoutMs,
      };
      let pending: Promise<{ code: string; payload: Uint8Array }>;
      try {
        pending = s.requester.request(s.peer, out);
      } catch (err) {
        settle({ kind: 'error', reason: errorCode(err) });
        return;
      }
      pending.then(
        (r) => settle({ kind: 'response', code: r.code, payload: r.payload }),
        (err: unknown) => {
          const code = errorCode(err);
          settle(code === 'COAP_TIMEOUT' ? { kind: 'timeout' } : { kind: 'error', reason: code });
        },
      );
    });
  }
}
