/**
 * Random and mutated datagrams at a live CoAP endpoint over real UDP: nothing crashes, every bad
 * datagram is counted, and the endpoint still serves a proper request afterwards.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoapEndpoint } from '../../src/index.js';
import { UdpTestTransport } from '../../src/coap/testing/UdpTestTransport.js';
import { CoapOption, MalformedMessage, decodeMessage, encodeMessage, encodeUint, textOption } from '../../src/coap/CoapMessage.js';
import { encodeBlock } from '../../src/coap/BlockOption.js';
import type { InboundDatagram } from '../../src/transport/DatagramTransport.js';

/** xorshift32: reproducible noise. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe('CoAP endpoint robustness (live UDP)', () => {
  let server: CoapEndpoint;
  let client: CoapEndpoint;
  let sock: Socket;
  let port: number;
  let received = 0;
  let obsToken: Uint8Array = new Uint8Array(0);
  let serverTransport: UdpTestTransport;
  const replies: Buffer[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    const t = await UdpTestTransport.bind();
    serverTransport = t;
    port = t.address().port;
    const origOnDatagram = t.onDatagram.bind(t);
    t.onDatagram = (h: (d: InboundDatagram) => void): void =>
      origOnDatagram((d) => {
        received++;
        h(d);
      });
    server = new CoapEndpoint({
      transport: t,
      blockSize: 64,
      maxDedupEntries: 500,
      handler: async (req, ctx) => {
        if (ctx.observe && req.path[0] === 'o') {
          obsToken = req.token;
          ctx.observe.accept();
          void ctx.observe.notify({ code: '2.05', payload: new Uint8Array(100) });
        }
        return { code: '2.05', payload: new Uint8Array(req.path.length * 50) };
      },
    });
    client = new CoapEndpoint({ transport: await UdpTestTransport.bind() });
    sock = createSocket('udp4');
    sock.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    sock.close();
    await client.close();
    await server.close();
  });

  const send = (b: Uint8Array): Promise<void> =>
    new Promise((r) => sock.send(b, port, '127.0.0.1', () => r()));

  it('survives random and mutated datagrams, counts the malformed ones, and keeps serving', async () => {
    const rnd = prng(0xc0a9);
    const seeds: Uint8Array[] = [
      encodeMessage({ type: 'CON', code: 1, messageId: 1, token: Uint8Array.of(1, 2), options: [textOption(CoapOption.UriPath, 'a'), textOption(CoapOption.UriPath, 'b')], payload: new Uint8Array(0) }),
      encodeMessage({ type: 'CON', code: 1, messageId: 2, token: Uint8Array.of(3), options: [textOption(CoapOption.UriPath, 'o'), { number: CoapOption.Observe, value: encodeUint(0) }], payload: new Uint8Array(0) }),
      encodeMessage({ type: 'CON', code: 2, messageId: 3, token: Uint8Array.of(4), options: [textOption(CoapOption.UriPath, 'p'), { number: CoapOption.Block1, value: encodeBlock({ num: 0, more: true, szx: 0 }) }], payload: new Uint8Array(16) }),
      encodeMessage({ type: 'CON', code: 1, messageId: 4, token: Uint8Array.of(5), options: [textOption(CoapOption.UriPath, 'x'), { number: CoapOption.Block2, value: encodeBlock({ num: 3, more: false, szx: 0 }) }], payload: new Uint8Array(0) }),
      encodeMessage({ type: 'NON', code: 0x45, messageId: 5, token: Uint8Array.of(6), options: [{ number: CoapOption.Observe, value: encodeUint(9) }], payload: new Uint8Array(3) }),
      encodeMessage({ type: 'ACK', code: 0x45, messageId: 6, token: Uint8Array.of(7), options: [], payload: new Uint8Array(3) }),
    ];
    let expectedMalformed = 0;
    const N = 3000;
    for (let i = 0; i < N; i++) {
      let d: Uint8Array;
      if (i % 3 === 0) {
        d = Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
      } else {
        const base = seeds[i % seeds.length]!;
        d = base.slice();
        const op = Math.floor(rnd() * 3);
        if (op === 0) {
          for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
            const at = Math.floor(rnd() * d.length);
            d[at] = (d[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
          }
        } else if (op === 1) {
          d = d.subarray(0, Math.floor(rnd() * d.length));
        } else {
          const at = Math.floor(rnd() * d.length);
          const ins = Uint8Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => Math.floor(rnd() * 256));
          const out = new Uint8Array(d.length + ins.length);
          out.set(d.subarray(0, at));
          out.set(ins, at);
          out.set(d.subarray(at), at + ins.length);
          d = out;
        }
      }
      const m = decodeMessage(d);
      if (m instanceof MalformedMessage) expectedMalformed++;
      // Well-formed but impossible kinds are dropped and counted too.
      else if (m.code === 0 ? m.type === 'NON' : m.code >> 5 === 0 ? m.type === 'ACK' || m.type === 'RST' : m.type === 'RST') expectedMalformed++;
      await send(d);
      // Let the receiver drain so the kernel's socket buffer never overflows (bounded wait).
      if (i % 20 === 19) for (let k = 0; k < 500 && received < i + 1; k++) await new Promise((r) => setTimeout(r, 1));
    }
    for (let k = 0; k < 1000 && received < N; k++) await new Promise((r) => setTimeout(r, 2));
    expect(received).toBe(N);
    const st = server.stats();
    expect(expectedMalformed).toBeGreaterThan(N / 3);
    expect(st.malformedDropped).toBe(expectedMalformed);
    expect(st.internalErrors).toBe(0);
    // Every reply we got back is a well-formed CoAP message.
    for (const r of replies) expect(decodeMessage(r)).not.toBeInstanceOf(MalformedMessage);
    // Still serving.
    const res = await client.request({ address: '127.0.0.1', port }, { method: 'GET', path: '/a/b/c' });
    expect(res.code).toBe('2.05');
    expect(res.payload.length).toBe(150);
    expect(unhandled).toEqual([]);
  });

  it('a client endpoint with a live observation survives mutated notifications', async () => {
    const got: number[] = [];
    const obs = await client.observe({ address: '127.0.0.1', port }, { method: 'GET', path: '/o' }, (n) => got.push(n.observe ?? -1));
    expect(obs.active).toBe(true);
    expect(obsToken.length).toBeGreaterThan(0);
    // Notifications must come from the server's address (tokens are matched per peer): send them
    // through the server endpoint's own socket.
    const sendTo = (d: Uint8Array): Promise<void> => serverTransport.send(client.address(), d);
    // phase 1: well-formed notifications on the real token are delivered in order
    for (let i = 0; i < 5; i++) {
      await sendTo(encodeMessage({ type: 'NON', code: 0x45, messageId: 60_000 + i, token: obsToken, options: [{ number: CoapOption.Observe, value: encodeUint(500 + i) }], payload: new Uint8Array(4) }));
    }
    for (let k = 0; k < 500 && got.length < 5; k++) await new Promise((r) => setTimeout(r, 2));
    expect(got).toEqual([500, 501, 502, 503, 504]);
    // phase 2: mutated ones (a mutation that yields a valid non-2.xx notification legitimately ends the observation)
    const rnd = prng(0x5eed);
    const before = client.stats().malformedDropped;
    let expectedMalformed = 0;
    const N = 1500;
    for (let i = 0; i < N; i++) {
      const base = encodeMessage({
        type: i % 2 ? 'CON' : 'NON',
        code: 0x45,
        messageId: (i * 7) & 0xffff,
        token: i % 3 === 0 ? Uint8Array.of(i & 0xff, 1, 2, 3) : obsToken,
        options: [{ number: CoapOption.Observe, value: encodeUint(1000 + i) }, { number: CoapOption.Block2, value: encodeBlock({ num: 0, more: i % 5 === 0, szx: 2 }) }],
        payload: new Uint8Array(8),
      });
      const d = base.slice();
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        const at = Math.floor(rnd() * d.length);
        d[at] = (d[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
      }
      const m = decodeMessage(d);
      if (m instanceof MalformedMessage) expectedMalformed++;
      else if (m.code === 0 ? m.type === 'NON' : m.code >> 5 === 0 ? m.type === 'ACK' || m.type === 'RST' : m.type === 'RST') expectedMalformed++;
      await sendTo(d);
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2));
    }
    for (let k = 0; k < 500 && client.stats().malformedDropped - before < expectedMalformed; k++) await new Promise((r) => setTimeout(r, 2));
    expect(client.stats().malformedDropped - before).toBe(expectedMalformed);
    expect(client.stats().internalErrors).toBe(0);
    // whatever got through stayed in order; a final response (no Observe, -1 here) can only come last
    const seqs = got.filter((v) => v >= 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(got.indexOf(-1) === -1 || got.indexOf(-1) === got.length - 1).toBe(true);
    expect(seqs.length).toBeGreaterThan(5);
    const res = await client.request({ address: '127.0.0.1', port }, { method: 'GET', path: '/a' });
    expect(res.code).toBe('2.05');
    await obs.cancel(true);
    expect(unhandled).toEqual([]);
  });
});
