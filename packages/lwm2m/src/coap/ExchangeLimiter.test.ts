import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/Clock.js';
import type { DatagramTransport, PeerAddress } from '../transport/DatagramTransport.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import type { CoapMessage } from './CoapMessage.js';
import { EndpointContext } from './EndpointContext.js';
import { ExchangeLimiter } from './ExchangeLimiter.js';
import type { Exchange, OutSpec } from './ExchangeMatcher.js';

const peer: PeerAddress = { address: '192.0.2.7', port: 5683 };
const pk = '192.0.2.7|5683';
const spec: OutSpec = { type: 'CON', code: 1, token: Uint8Array.of(1), options: [], payload: new Uint8Array(0) };
const reply = (mid: number): CoapMessage => ({ type: 'ACK', code: 0x45, messageId: mid, token: Uint8Array.of(1), options: [], payload: new Uint8Array(0) });

function limiter(nstart: number) {
  const clock = new FakeClock(1_764_806_400_000);
  const ctx = new EndpointContext({ transport: {} as DatagramTransport, clock, nstart });
  const started: { pk: string; resolve: (m: CoapMessage) => void; reject: (e: unknown) => void }[] = [];
  const inner: Exchange = (_peer, p) =>
    new Promise<CoapMessage>((resolve, reject) => {
      started.push({ pk: p, resolve, reject });
    });
  return { clock, ctx, started, limiter: new ExchangeLimiter(ctx, inner) };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ExchangeLimiter (NSTART)', () => {
  it('with nstart 1 starts the next exchange of a peer only when the previous one is over', async () => {
    const { clock, started, limiter: l } = limiter(1);
    const deadline = clock.now() + 60_000;
    const a = l.exchange(peer, pk, spec, deadline);
    const b = l.exchange(peer, pk, spec, deadline);
    const other = l.exchange({ address: '198.51.100.1', port: 5683 }, '198.51.100.1|5683', spec, deadline);
    expect(started.map((s) => s.pk)).toEqual([pk, '198.51.100.1|5683']);
    expect(l.queuedCount).toBe(1);
    started[0]?.resolve(reply(1));
    await expect(a).resolves.toMatchObject({ messageId: 1 });
    await flush();
    expect(started).toHaveLength(3);
    started[2]?.reject(new CoapError(CoapErrorCode.Reset, 'rst'));
    await expect(b).rejects.toMatchObject({ code: 'COAP_RESET' });
    started[1]?.resolve(reply(2));
    await expect(other).resolves.toMatchObject({ messageId: 2 });
  });

  it('an exchange still queued at its deadline fails COAP_TIMEOUT and is counted', async () => {
    const { clock, ctx, started, limiter: l } = limiter(1);
    void l.exchange(peer, pk, spec, clock.now() + 60_000);
    const late = l.exchange(peer, pk, spec, clock.now() + 5_000);
    clock.advance(5_000);
    await expect(late).rejects.toMatchObject({ code: 'COAP_TIMEOUT' });
    expect(ctx.counters.timeouts).toBe(1);
    expect(l.queuedCount).toBe(0);
    expect(started).toHaveLength(1);
  });

  it('failQueued fails the queue of one peer, and unlimited nstart never queues', async () => {
    const { clock, started, limiter: l } = limiter(2);
    const deadline = clock.now() + 60_000;
    for (let i = 0; i < 2; i++) void l.exchange(peer, pk, spec, deadline);
    const queued = l.exchange(peer, pk, spec, deadline);
    l.failQueued(new CoapError(CoapErrorCode.PeerForgotten, 'forgotten'), pk);
    await expect(queued).rejects.toMatchObject({ code: 'COAP_PEER_FORGOTTEN' });
    expect(started).toHaveLength(2);
    const free = limiter(Infinity);
    for (let i = 0; i < 50; i++) void free.limiter.exchange(peer, pk, spec, deadline);
    expect(free.started).toHaveLength(50);
  });
});
