import { describe, expect, it } from 'vitest';
import { FakeClock, type Random } from '../time/Clock.js';
import type { DatagramTransport, PeerAddress } from '../transport/DatagramTransport.js';
import { decodeMessage, emptyMessage, type CoapMessage } from './CoapMessage.js';
import { EndpointContext } from './EndpointContext.js';
import { MessageLayer, outgoingCon, type Outgoing } from './MessageLayer.js';

const peer: PeerAddress = { address: '192.0.2.7', port: 5683 };
const pk = '192.0.2.7|5683';
const zero: Random = { next: () => 0, bytes: (n) => new Uint8Array(n) };

function layer(extra: { maxDedupEntries?: number } = {}) {
  const clock = new FakeClock(1_764_806_400_000);
  const sent: Uint8Array[] = [];
  const transport: DatagramTransport = {
    secure: false,
    send: (_p, d) => {
      sent.push(d);
      return Promise.resolve();
    },
    onDatagram: () => undefined,
    onSession: () => () => undefined,
    address: () => ({ address: '127.0.0.1', port: 5683 }),
    close: () => Promise.resolve(),
  };
  const ctx = new EndpointContext({ transport, clock, random: zero, ...extra });
  return { clock, ctx, sent, messages: new MessageLayer(ctx, transport) };
}

function outgoing(bytes: Uint8Array, events: string[], timeout = 2000): Outgoing {
  return outgoingCon(pk, peer, bytes, timeout, {
    onAck: () => events.push('ack'),
    onReset: () => events.push('reset'),
    onTimeout: () => events.push('timeout'),
    onAbort: () => events.push('abort'),
  });
}

const con = (mid: number): CoapMessage => ({ type: 'CON', code: 1, messageId: mid, token: Uint8Array.of(1), options: [], payload: new Uint8Array(0) });

describe('MessageLayer', () => {
  it('retransmits a CON MAX_RETRANSMIT times with doubling timeouts, then times out', () => {
    const { clock, ctx, messages, sent } = layer();
    const events: string[] = [];
    messages.track(`${pk}#7`, outgoing(Uint8Array.of(0x40, 0, 0, 7), events));
    const at: number[] = [];
    for (let t = 0; t <= 62_000; t += 1000) {
      const before = sent.length;
      clock.advance(t === 0 ? 0 : 1000);
      if (sent.length > before) at.push(t);
    }
    expect(at).toEqual([2000, 6000, 14000, 30000]);
    expect(ctx.counters.retransmissions).toBe(4);
    expect(events).toEqual(['timeout']);
  });

  it('an ACK stops retransmission; a late duplicate ACK is ignored', () => {
    const { clock, messages, sent } = layer();
    const events: string[] = [];
    messages.track(`${pk}#9`, outgoing(Uint8Array.of(0x40, 0, 0, 9), events));
    messages.onAck(pk, emptyMessage('ACK', 9));
    messages.onAck(pk, emptyMessage('ACK', 9));
    clock.advance(100_000);
    expect(events).toEqual(['ack']);
    expect(sent).toHaveLength(0);
  });

  it('a RST matching none of our messages goes to the stray-reset hook', () => {
    const { ctx, messages } = layer();
    const stray: string[] = [];
    messages.onStrayReset = (okey) => stray.push(okey);
    const events: string[] = [];
    messages.track(`${pk}#3`, outgoing(Uint8Array.of(0x40, 0, 0, 3), events));
    messages.onRst(pk, emptyMessage('RST', 3));
    messages.onRst(pk, emptyMessage('RST', 4));
    expect(events).toEqual(['reset']);
    expect(stray).toEqual([`${pk}#4`]);
    expect(ctx.counters.resetsReceived).toBe(2);
  });

  it('deduplicates by message id: a duplicate CON gets the cached reply, until EXCHANGE_LIFETIME', async () => {
    const { clock, ctx, messages, sent } = layer();
    const entry = messages.receiveOnce(pk, peer, con(42));
    expect(entry).toBeDefined();
    if (entry) entry.reply = Uint8Array.of(0x60, 0x45, 0, 42);
    expect(messages.receiveOnce(pk, peer, con(42))).toBeUndefined();
    await Promise.resolve();
    expect(sent.map((b) => (decodeMessage(b) as CoapMessage).code)).toEqual([0x45]);
    expect(ctx.counters.duplicates).toBe(1);
    clock.advance(ctx.settings.exchangeLifetimeMs);
    expect(messages.receiveOnce(pk, peer, con(42))).toBeDefined();
  });

  it('keeps at most maxDedupEntries ids, evicting the oldest; dropPeer marks entries forgotten', () => {
    const { messages } = layer({ maxDedupEntries: 100 });
    const first = messages.receiveOnce(pk, peer, con(0));
    for (let mid = 1; mid < 250; mid++) messages.receiveOnce(pk, peer, con(mid));
    expect(messages.dedupEntries).toBe(100);
    expect(messages.receiveOnce(pk, peer, con(0))).toBeDefined(); // evicted long ago: new again
    const live = messages.receiveOnce(pk, peer, con(9999));
    messages.dropPeer(pk);
    expect(messages.dedupEntries).toBe(0);
    expect(live?.forgotten).toBe(true);
    expect(first?.forgotten).toBe(false);
  });

  it('abort(pk) aborts only that peer’s messages', () => {
    const { messages } = layer();
    const events: string[] = [];
    messages.track(`${pk}#1`, outgoing(Uint8Array.of(0x40, 0, 0, 1), events));
    messages.track('198.51.100.1|5683#1', { ...outgoing(Uint8Array.of(0x40, 0, 0, 1), events), pk: '198.51.100.1|5683', onAbort: () => events.push('other') });
    messages.abort(pk);
    expect(events).toEqual(['abort']);
    messages.abort();
    expect(events).toEqual(['abort', 'other']);
  });
});
