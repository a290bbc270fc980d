import { describe, expect, it } from 'vitest';
import {
  DerivedBootstrapConfigStore,
  FakeClock,
  InMemoryBootstrapConfigStore,
  InMemorySecurityStore,
  type PeerAddress,
  type SecurityStore,
} from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { BootstrapSessionManager } from './BootstrapSessionManager.js';
import { formatBootstrapFailure, type BootstrapEventMap } from './BootstrapEvents.js';
import type { BootstrapRequester, InboundRequest, InboundResponse, OutboundRequest } from './coapShapes.js';

const devA = makeSecurityInfo('dev-a');
const devB = makeSecurityInfo('dev-b');
const peerA: PeerAddress = { address: '127.0.0.1', port: 40001 };
const peerB: PeerAddress = { address: '127.0.0.1', port: 40002 };

function bsRequest(query: string[], identity: string | undefined, peer = peerA, overrides: Partial<InboundRequest> = {}): InboundRequest {
  return { method: 'POST', path: ['bs'], query, peer, security: identity === undefined ? {} : { pskIdentity: identity }, ...overrides };
}

/** A request as the device sees it, with its path as text (`/0/1`; `/` for the root). */
type SentRequest = OutboundRequest & { readonly text: string };
type Responder = (peer: PeerAddress, req: SentRequest) => Promise<InboundResponse> | InboundResponse;
/** An LwM2M 1.1 device with its bootstrap account at /0/0 that accepts everything. */
const DISCOVER = new TextEncoder().encode('</>;lwm2m=1.1,</0/0>;uri="coaps://127.0.0.1:5784",</1>,</3/0>');
const okResponder: Responder = (_p, r) =>
  r.method === 'GET' ? { code: '2.05', payload: DISCOVER } : { code: r.method === 'DELETE' ? '2.02' : '2.04', payload: new Uint8Array(0) };

class ScriptedDevices implements BootstrapRequester {
  readonly sent: { peer: PeerAddress; req: SentRequest }[] = [];
  constructor(public respond: Responder = okResponder) {}
  async request(peer: PeerAddress, req: OutboundRequest): Promise<InboundResponse> {
    const sent = { ...req, text: `/${req.path.join('/')}` };
    this.sent.push({ peer, req: sent });
    return this.respond(peer, sent);
  }
}

type Recorded = { [K in keyof BootstrapEventMap]: { event: K; payload: BootstrapEventMap[K] } }[keyof BootstrapEventMap];

function setup(opts: { store?: SecurityStore; clock?: FakeClock; stepTimeoutMs?: number; maxAttempts?: number; maxSessions?: number } = {}) {
  const clock = opts.clock ?? new FakeClock(1000);
  const securityStore = opts.store ?? new InMemorySecurityStore([devA, devB]);
  const manager = new BootstrapSessionManager({
    securityStore,
    configStore: new DerivedBootstrapConfigStore(securityStore),
    clock,
    policy: { stepTimeoutMs: opts.stepTimeoutMs ?? 5000, maxAttempts: opts.maxAttempts ?? 2 },
    ...(opts.maxSessions === undefined ? {} : { maxSessions: opts.maxSessions }),
  });
  const events: Recorded[] = [];
  for (const e of ['started', 'unauthorized', 'rejected', 'step', 'finished', 'failed'] as const) {
    manager.events.on(e, (payload) => events.push({ event: e, payload } as Recorded));
  }
  return { clock, manager, events, securityStore };
}

/** Lets timers at the current time fire and promise chains run; bounded. */
async function pump(clock: FakeClock, rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    clock.advance(0);
    await new Promise<void>((r) => setImmediate(r));
  }
}

describe('BootstrapSessionManager: authorization', () => {
  it('accepts the bootstrap identity of the endpoint with 2.04 and runs the whole sequence', async () => {
    const { clock, manager, events } = setup();
    const devices = new ScriptedDevices();
    const res = await manager.handle(bsRequest(['ep=dev-a', 'pct=110'], 'dev-a-bs'), devices);
    expect(res).toEqual({ code: '2.04' });
    expect(devices.sent).toHaveLength(0); // nothing before the 2.04 is out
    await pump(clock);
    expect(devices.sent.map((s) => `${s.req.method} ${s.req.text} ${s.req.contentFormat ?? ''}`.trim())).toEqual([
      'GET /',
      'DELETE /0',
      'DELETE /1',
      'PUT /0/1 110',
      'PUT /1/0 110',
      'POST /bs',
    ]);
    expect(devices.sent[0]?.req.accept).toBe(40);
    expect(devices.sent.every((s) => s.peer === peerA && s.req.confirmable === true && s.req.timeoutMs === 5000)).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['started', 'step', 'step', 'step', 'step', 'step', 'step', 'finished']);
    const finished = events.at(-1);
    expect(finished?.event === 'finished' && finished.payload).toMatchObject({ endpoint: 'dev-a', identity: 'dev-a-bs', steps: 6, sessionId: 'bs-1' });
    expect(manager.stats()).toMatchObject({ started: 1, finished: 1, failed: 0, active: 0, requestsSent: 6 });
  });

  it('refuses the bootstrap identity of another endpoint with 4.03 and reports it', async () => {
    const { manager, events } = setup();
    const devices = new ScriptedDevices();
    expect(await manager.handle(bsRequest(['ep=dev-a'], 'dev-b-bs'), devices)).toEqual({ code: '4.03' });
    expect(events).toEqual([
      { event: 'unauthorized', payload: { endpoint: 'dev-a', peer: peerA, identity: 'dev-b-bs', identityEndpoint: 'dev-b', reason: 'identity-mismatch', code: '4.03', at: 1000 } },
    ]);
    expect(devices.sent).toHaveLength(0);
    expect(manager.stats().unauthorized).toBe(1);
  });

  it('refuses an unknown endpoint with 4.00 (LwM2M: Unknown Endpoint Client Name)', async () => {
    const { manager, events } = setup();
    expect(await manager.handle(bsRequest(['ep=ghost'], 'dev-a-bs'), new ScriptedDevices())).toEqual({ code: '4.00' });
    expect(events[0]).toMatchObject({ event: 'unauthorized', payload: { endpoint: 'ghost', reason: 'unknown-endpoint', code: '4.00', identityEndpoint: 'dev-a' } });
  });

  it('refuses the LwM2M-server identity of the very endpoint (not a bootstrap account) with 4.03', async () => {
    const { manager, events } = setup();
    expect(await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-dm'), new ScriptedDevices())).toEqual({ code: '4.03' });
    expect(events[0]).toMatchObject({ event: 'unauthorized', payload: { reason: 'server-identity' } });
  });

  it('refuses an identity that is no longer in the store with 4.03', async () => {
    const { manager, events } = setup();
    expect(await manager.handle(bsRequest(['ep=dev-a'], 'removed-bs'), new ScriptedDevices())).toEqual({ code: '4.03' });
    expect(events[0]).toMatchObject({ event: 'unauthorized', payload: { reason: 'unknown-identity' } });
  });

  it('NoSec: refuses an endpoint that has PSK credentials, serves one configured for NoSec, 4.00 when unknown', async () => {
    const clock = new FakeClock();
    const securityStore = new InMemorySecurityStore([devA]);
    const configStore = new InMemoryBootstrapConfigStore({ securityStore });
    await configStore.set({
      endpoint: 'nosec-1',
      toDelete: ['/0', '/1'],
      security: [{ instanceId: 1, serverUri: 'coap://127.0.0.1:5683', bootstrapServer: false, securityMode: 3, pskIdentity: '', pskKey: new Uint8Array(0), shortServerId: 7 }],
      servers: [{ instanceId: 0, shortServerId: 7, lifetime: 60, binding: 'U' }],
    });
    const manager = new BootstrapSessionManager({ securityStore, configStore, clock });
    const reasons: string[] = [];
    manager.events.on('unauthorized', (e) => reasons.push(e.reason));
    manager.events.on('rejected', (e) => reasons.push(e.reason));
    const devices = new ScriptedDevices();
    expect(await manager.handle(bsRequest(['ep=dev-a'], undefined), devices)).toEqual({ code: '4.03' });
    expect(await manager.handle(bsRequest(['ep=nobody'], undefined), devices)).toEqual({ code: '4.00' });
    expect(reasons).toEqual(['psk-required', 'no-config']);
    expect(await manager.handle(bsRequest(['ep=nosec-1'], undefined), devices)).toEqual({ code: '2.04' });
    const finished = manager.events.once('finished');
    await pump(clock);
    expect((await finished).endpoint).toBe('nosec-1');
    expect(devices.sent.map((s) => s.req.text)).toEqual(['/0', '/0', '/1', '/0/1', '/1/0', '/bs']);
  });

  it.each([
    ['other path', bsRequest(['ep=dev-a'], 'dev-a-bs', peerA, { path: ['rd'] }), '4.04', 'not-found'],
    ['GET', bsRequest(['ep=dev-a'], 'dev-a-bs', peerA, { method: 'GET' }), '4.05', 'method-not-allowed'],
    ['no ep', bsRequest(['pct=110'], 'dev-a-bs'), '4.00', 'missing-endpoint'],
    ['empty ep', bsRequest(['ep='], 'dev-a-bs'), '4.00', 'missing-endpoint'],
    ['bad pct', bsRequest(['ep=dev-a', 'pct=tlv'], 'dev-a-bs'), '4.00', 'bad-pct'],
    ['pct twice', bsRequest(['ep=dev-a', 'pct=110', 'pct=11542'], 'dev-a-bs'), '4.00', 'bad-pct'],
    ['ep twice', bsRequest(['ep=dev-a', 'ep=dev-b'], 'dev-a-bs'), '4.00', 'missing-endpoint'],
  ])('rejects %s', async (_n, req, code, reason) => {
    const { manager, events } = setup();
    expect(await manager.handle(req, new ScriptedDevices())).toEqual({ code });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: 'rejected', payload: { reason, code } });
  });

  it('answers 5.00 when the store fails, without crashing', async () => {
    const failing: SecurityStore = {
      getByEndpoint: () => Promise.reject(new Error('rpc down')),
      getByIdentity: () => Promise.reject(new Error('rpc down')),
    };
    const { manager, events } = setup({ store: failing });
    expect(await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), new ScriptedDevices())).toEqual({ code: '5.00' });
    expect(events[0]).toMatchObject({ event: 'rejected', payload: { reason: 'store-error' } });
  });

  it('honours pct: TLV when the client prefers it', async () => {
    const { clock, manager } = setup();
    const devices = new ScriptedDevices();
    await manager.handle(bsRequest(['ep=dev-a', 'pct=11542'], 'dev-a-bs'), devices);
    await pump(clock);
    expect(devices.sent.filter((s) => s.req.method === 'PUT').map((s) => s.req.contentFormat)).toEqual([11542, 11542]);
  });
});

describe('BootstrapSessionManager: sessions', () => {
  it('a device that never answers: each attempt times out on the injected clock, then the session fails', async () => {
    const { clock, manager, events } = setup({ stepTimeoutMs: 5000, maxAttempts: 2 });
    const devices = new ScriptedDevices(() => new Promise<InboundResponse>(() => undefined));
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), devices);
    await pump(clock);
    expect(devices.sent).toHaveLength(1);
    clock.advance(4999);
    await pump(clock);
    expect(devices.sent).toHaveLength(1);
    clock.advance(1);
    await pump(clock);
    expect(devices.sent.map((s) => s.req.text)).toEqual(['/0', '/0']);
    clock.advance(5000);
    await pump(clock);
    expect(events.map((e) => e.event)).toEqual(['started', 'step', 'step', 'failed']);
    expect(events[1]).toMatchObject({ event: 'step', payload: { result: 'timeout', attempt: 1, durationMs: 5000 } });
    expect(events[3]).toMatchObject({ event: 'failed', payload: { reason: 'no response to Bootstrap-Discover /0 after 2 attempts', operation: 'bootstrap-discover', path: '/0', code: 'timeout', durationMs: 10000, at: 11000 } });
    expect(manager.active).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('maps a COAP_TIMEOUT rejection to a timeout and other errors to an immediate failure', async () => {
    const timeoutErr = Object.assign(new Error('t'), { code: 'COAP_TIMEOUT' });
    const resetErr = Object.assign(new Error('r'), { code: 'COAP_RESET' });
    const { clock, manager, events } = setup({ maxAttempts: 2 });
    let n = 0;
    const devices = new ScriptedDevices((_p, r) => {
      n += 1;
      if (n === 1) throw timeoutErr;
      if (r.text === '/1') throw resetErr;
      return okResponder(_p, r);
    });
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), devices);
    await pump(clock);
    expect(devices.sent.map((s) => s.req.text)).toEqual(['/0', '/0', '/0', '/1']);
    expect(events.at(-1)).toMatchObject({ event: 'failed', payload: { reason: 'Bootstrap-Delete /1 failed: COAP_RESET' } });
    expect(events.filter((e) => e.event === 'step').map((e) => (e.event === 'step' ? e.payload.result : ''))).toEqual(['timeout', '2.05', '2.02', 'error']);
  });

  it('falls back from SenML-JSON when the device answers 4.06, and starts with what worked at the next bootstrap', async () => {
    const { clock, manager, events } = setup();
    const devices = new ScriptedDevices((p, r) => (r.contentFormat === 110 ? { code: '4.06', payload: new Uint8Array(0) } : okResponder(p, r)));
    await manager.handle(bsRequest(['ep=dev-a', 'pct=110'], 'dev-a-bs'), devices);
    await pump(clock);
    expect(events.at(-1)?.event).toBe('finished');
    const puts = (): string[] => devices.sent.filter((s) => s.req.method === 'PUT').map((s) => `${s.req.text} ${s.req.contentFormat}`);
    expect(puts()).toEqual(['/0/1 110', '/0/1 112', '/1/0 112']);
    devices.sent.length = 0;
    await manager.handle(bsRequest(['ep=dev-a', 'pct=110'], 'dev-a-bs'), devices);
    await pump(clock);
    expect(puts()).toEqual(['/0/1 112', '/1/0 112']);
  });

  it('a refusal that is not about the format fails the session with the step, the code and the client words', async () => {
    const { clock, manager, events } = setup();
    const why = new TextEncoder().encode('short server id 101 already used');
    const devices = new ScriptedDevices((p, r) => (r.text === '/1/0' ? { code: '4.00', payload: why } : okResponder(p, r)));
    await manager.handle(bsRequest(['ep=dev-a', 'pct=110'], 'dev-a-bs'), devices);
    await pump(clock);
    expect(events.at(-1)).toMatchObject({
      event: 'failed',
      payload: { endpoint: 'dev-a', operation: 'bootstrap-write', path: '/1/0', code: '4.00', diagnostic: 'short server id 101 already used' },
    });
    expect(devices.sent.filter((s) => s.req.text === '/1/0')).toHaveLength(1);
    expect(manager.stats()).toMatchObject({ failed: 1, finished: 0 });
  });

  it('runs many sessions concurrently: every device gets its first request before any answers', async () => {
    const n = 50;
    const infos = Array.from({ length: n }, (_, i) => makeSecurityInfo(`many-${i}`));
    const { clock, manager } = setup({ store: new InMemorySecurityStore(infos) });
    const waiting: (() => void)[] = [];
    const firstSeen = new Set<number>();
    const devices = new ScriptedDevices(async (peer, r) => {
      if (!firstSeen.has(peer.port)) {
        firstSeen.add(peer.port);
        // Hold every device's first answer until all n devices have been contacted.
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === n) for (const w of waiting) w();
        });
      }
      return okResponder(peer, r);
    });
    let finished = 0;
    manager.events.on('finished', () => (finished += 1));
    for (let i = 0; i < n; i++) {
      const res = await manager.handle(bsRequest([`ep=many-${i}`], `many-${i}-bs`, { address: '127.0.0.1', port: 50000 + i }), devices);
      expect(res.code).toBe('2.04');
    }
    expect(manager.active).toBe(n);
    await pump(clock, 60);
    expect(firstSeen.size).toBe(n);
    expect(finished).toBe(n);
    // each device got exactly its own sequence
    for (let i = 0; i < n; i++) expect(devices.sent.filter((s) => s.peer.port === 50000 + i)).toHaveLength(6);
  });

  it('a new Bootstrap-Request from the same peer supersedes the running session', async () => {
    const { clock, manager, events } = setup();
    const devices = new ScriptedDevices(() => new Promise<InboundResponse>(() => undefined));
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), devices);
    await pump(clock);
    devices.respond = okResponder;
    expect((await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), devices)).code).toBe('2.04');
    await pump(clock);
    const ends = events.filter((e) => e.event === 'failed' || e.event === 'finished');
    expect(ends.map((e) => [e.event, e.payload.sessionId])).toEqual([
      ['failed', 'bs-1'],
      ['finished', 'bs-2'],
    ]);
    expect(ends[0]).toMatchObject({ payload: { reason: 'superseded by a new Bootstrap-Request' } });
    expect(clock.pending).toBe(0);
  });

  it('a Bootstrap-Request of the same endpoint from another address supersedes the running session (NAT rebinding)', async () => {
    const { clock, manager, events } = setup();
    const devices = new ScriptedDevices(() => new Promise<InboundResponse>(() => undefined));
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs', peerA), devices);
    await pump(clock);
    devices.respond = okResponder;
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs', { address: '127.0.0.1', port: 40999 }), devices);
    await pump(clock);
    expect(events.filter((e) => e.event === 'failed' || e.event === 'finished').map((e) => [e.event, e.payload.peer.port])).toEqual([
      ['failed', 40001],
      ['finished', 40999],
    ]);
    expect(manager.active).toBe(0);
  });

  it('the same peer on two transports (CoAPS and NoSec requesters) holds two sessions', async () => {
    const clock = new FakeClock();
    const securityStore = new InMemorySecurityStore([devA]);
    const configStore = new InMemoryBootstrapConfigStore({ securityStore });
    await configStore.set({ endpoint: 'nosec-2', toDelete: [], security: [], servers: [] });
    const manager = new BootstrapSessionManager({ securityStore, configStore, clock });
    const secure = new ScriptedDevices(() => new Promise<InboundResponse>(() => undefined));
    const plain = new ScriptedDevices(() => new Promise<InboundResponse>(() => undefined));
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs', peerA), secure);
    await manager.handle(bsRequest(['ep=nosec-2'], undefined, peerA), plain);
    await pump(clock);
    expect(manager.active).toBe(2);
    await manager.close();
  });

  it('a device that answers Bootstrap-Finish and closes its session in the same burst has finished; one that closes mid-way fails', async () => {
    const { clock, manager, events } = setup();
    // The 2.04 to Finish is already received when the close_notify is: both reach the manager together.
    const devices: ScriptedDevices = new ScriptedDevices((peer, r) => {
      const answer = okResponder(peer, r);
      if (r.text === '/bs') manager.peerDown(devices, peer, 'DTLS session closed (close_notify)');
      return answer;
    });
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs', peerA), devices);
    await pump(clock);
    expect(events.map((e) => e.event).at(-1)).toBe('finished');
    expect(manager.stats()).toMatchObject({ finished: 1, failed: 0 });

    const leaving: ScriptedDevices = new ScriptedDevices((peer, r) => {
      if (r.text === '/1') manager.peerDown(leaving, peer, 'DTLS session closed (close_notify)');
      return okResponder(peer, r);
    });
    await manager.handle(bsRequest(['ep=dev-b'], 'dev-b-bs', peerB), leaving);
    await pump(clock);
    expect(events.filter((e) => e.event === 'failed')).toMatchObject([{ payload: { endpoint: 'dev-b', reason: 'DTLS session closed (close_notify)' } }]);
    expect(leaving.sent.map((x) => x.req.text)).not.toContain('/bs');
  });

  it('peerDown ends the session of that peer only', async () => {
    const { clock, manager, events } = setup();
    const devices = new ScriptedDevices(() => new Promise<InboundResponse>(() => undefined));
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs', peerA), devices);
    await manager.handle(bsRequest(['ep=dev-b'], 'dev-b-bs', peerB), devices);
    await pump(clock);
    manager.peerDown(new ScriptedDevices(), peerA); // another transport: not this session
    await pump(clock);
    expect(manager.active).toBe(2);
    manager.peerDown(devices, peerA);
    await pump(clock);
    expect(events.filter((e) => e.event === 'failed')).toMatchObject([{ payload: { endpoint: 'dev-a', reason: 'DTLS session closed' } }]);
    expect(manager.active).toBe(1);
  });

  it('close() fails every session (also one not started yet) and refuses later requests with 5.03', async () => {
    const { clock, manager, events } = setup();
    const devices = new ScriptedDevices(() => new Promise<InboundResponse>(() => undefined));
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs', peerA), devices);
    await pump(clock);
    await manager.handle(bsRequest(['ep=dev-b'], 'dev-b-bs', peerB), devices); // timer not fired yet
    await manager.close();
    expect(events.filter((e) => e.event === 'failed').map((e) => (e.event === 'failed' ? [e.payload.endpoint, e.payload.reason] : [])).sort()).toEqual([
      ['dev-a', 'server closing'],
      ['dev-b', 'server closing'],
    ]);
    expect(await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), devices)).toEqual({ code: '5.03' });
    expect(devices.sent).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('refuses with 5.03 beyond maxSessions', async () => {
    const { manager, events } = setup({ maxSessions: 1 });
    const devices = new ScriptedDevices();
    expect((await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs', peerA), devices)).code).toBe('2.04');
    expect((await manager.handle(bsRequest(['ep=dev-b'], 'dev-b-bs', peerB), devices)).code).toBe('5.03');
    expect(events.at(-1)).toMatchObject({ event: 'rejected', payload: { reason: 'too-many-sessions' } });
  });

  it('no event ever carries key material', async () => {
    const { clock, manager, events } = setup();
    const devices = new ScriptedDevices((p, r) => (r.contentFormat === 110 ? { code: '4.00', payload: new Uint8Array(0) } : okResponder(p, r)));
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), devices);
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-b-bs', peerB), devices);
    await pump(clock);
    const text = JSON.stringify(events);
    for (const key of [devA.bootstrap.key, devA.server.key, devB.bootstrap.key]) {
      expect(text).not.toContain(Buffer.from(key).toString('hex'));
      expect(text).not.toContain(Buffer.from(key).toString('base64'));
      expect(text).not.toContain(Buffer.from(key).toString('base64url'));
    }
    expect(events.some((e) => e.event === 'finished')).toBe(true);
  });

  it('a throwing event listener does not break the session', async () => {
    const { clock, manager, events } = setup();
    manager.events.on('step', () => {
      throw new Error('listener bug');
    });
    await manager.handle(bsRequest(['ep=dev-a'], 'dev-a-bs'), new ScriptedDevices());
    await pump(clock);
    expect(events.at(-1)?.event).toBe('finished');
    expect(manager.events.listenerErrors).toBe(6); // discover, 2 deletes, 2 writes, finish
  });
});

describe('formatBootstrapFailure', () => {
  it('one line: endpoint, step, code, diagnostic, peer, reason', () => {
    expect(
      formatBootstrapFailure({
        sessionId: 'bs-7',
        endpoint: 'dev-a',
        peer: peerA,
        reason: 'Bootstrap-Write /1/0 refused with 4.00 (bad "lifetime")',
        operation: 'bootstrap-write',
        path: '/1/0',
        code: '4.00',
        diagnostic: 'bad "lifetime"',
        durationMs: 12,
        steps: 4,
        at: 0,
      }),
    ).toBe('bootstrap failed: ep=dev-a step=bootstrap-write /1/0 code=4.00 diagnostic="bad \\"lifetime\\"" peer=127.0.0.1:40001 reason="Bootstrap-Write /1/0 refused with 4.00 (bad \\"lifetime\\")"');
    expect(formatBootstrapFailure({ sessionId: 'bs-8', endpoint: 'dev-b', peer: peerB, reason: 'server closing', durationMs: 1, steps: 0, at: 0 })).toBe(
      'bootstrap failed: ep=dev-b peer=127.0.0.1:40002 reason="server closing"',
    );
  });
});
