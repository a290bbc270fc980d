import { describe, expect, it } from 'vitest';
import { FakeClock, type Random } from '../time/Clock.js';
import type { DatagramTransport, PeerAddress } from '../transport/DatagramTransport.js';
import { CoapOption, decodeMessage, emptyMessage, getUintOption, type CoapMessage } from './CoapMessage.js';
import { BlockwiseServer } from './BlockwiseServer.js';
import { EndpointContext } from './EndpointContext.js';
import { MessageLayer } from './MessageLayer.js';
import { ObserveServer } from './ObserveServer.js';
import type { ObserveCancelReason } from './types.js';

const peer: PeerAddress = { address: '192.0.2.7', port: 5683 };
const pk = '192.0.2.7|5683';
const zero: Random = { next: () => 0, bytes: (n) => new Uint8Array(n) };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function server(notifyConEvery = 3) {
  const clock = new FakeClock(1_764_806_400_000);
  const sent: CoapMessage[] = [];
  const transport = {
    send: (_p: PeerAddress, d: Uint8Array) => {
      sent.push(decodeMessage(d) as CoapMessage);
      return Promise.resolve();
    },
  } as unknown as DatagramTransport;
  const ctx = new EndpointContext({ transport, clock, random: zero, notifyConEvery });
  const messages = new MessageLayer(ctx, transport);
  const observe = new ObserveServer(ctx, messages, new BlockwiseServer(ctx));
  messages.onStrayReset = (okey) => observe.onStrayReset(okey);
  const cancels: ObserveCancelReason[] = [];
  const reg = observe.register(peer, pk, `${pk}#0a`, Uint8Array.of(0x0a), ['3303', '0', '5700'], [], 'GET', undefined);
  reg.onCancel((r) => cancels.push(r));
  reg.accept();
  observe.establish(reg);
  return { clock, ctx, sent, messages, observe, reg, cancels };
}

describe('ObserveServer', () => {
  it('notifies NON with a growing Observe number, and CON every notifyConEvery-th', async () => {
    const { sent, messages, reg } = server(3);
    for (let i = 0; i < 6; i++) {
      const p = reg.notify({ code: '2.05', contentFormat: 0, payload: text(`21.${i}`) });
      const last = sent[sent.length - 1] as CoapMessage;
      if (last.type === 'CON') messages.onAck(pk, emptyMessage('ACK', last.messageId));
      await p;
    }
    expect(sent.map((m) => m.type)).toEqual(['NON', 'NON', 'CON', 'NON', 'NON', 'CON']);
    const seqs = sent.map((m) => getUintOption(m, CoapOption.Observe) as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(6);
    expect(reg.active).toBe(true);
  });

  it('a RST to a NON notification ends the observation (reset), and later notifies send nothing', async () => {
    const { sent, messages, observe, reg, cancels } = server();
    await reg.notify({ code: '2.05', payload: text('a') });
    messages.onRst(pk, emptyMessage('RST', (sent[0] as CoapMessage).messageId));
    expect(cancels).toEqual(['reset']);
    expect(observe.size).toBe(0);
    await reg.notify({ code: '2.05', payload: text('b') });
    expect(sent).toHaveLength(1);
  });

  it('an unacknowledged CON notification ends it (timeout); a 4.04 notification ends it (ended)', async () => {
    const a = server(1);
    const p = a.reg.notify({ code: '2.05', payload: text('x') });
    a.clock.advance(a.ctx.settings.ackTimeoutMs * 2 ** (a.ctx.settings.maxRetransmit + 1));
    await p;
    expect(a.sent).toHaveLength(1 + a.ctx.settings.maxRetransmit);
    expect(a.cancels).toEqual(['timeout']);
    const b = server();
    void b.reg.notify({ code: '4.04' });
    expect(b.sent[0]).toMatchObject({ type: 'CON', code: 0x84 });
    expect(getUintOption(b.sent[0] as CoapMessage, CoapOption.Observe)).toBeUndefined();
    expect(b.cancels).toEqual(['ended']);
  });
});
