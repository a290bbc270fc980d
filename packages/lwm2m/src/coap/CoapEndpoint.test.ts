import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, type Random } from '../time/Clock.js';
import { CoapEndpoint } from './CoapEndpoint.js';
import { CoapError } from './CoapError.js';
import {
  CoapOption,
  decodeMessage,
  encodeMessage,
  encodeUint,
  getOption,
  getUintOption,
  textOption,
  type CoapMessage,
  type CoapOptionValue,
  type CoapType,
} from './CoapMessage.js';
import { decodeBlock, encodeBlock } from './BlockOption.js';
import { MemoryNetwork, type MemoryTransport, type Sent } from './testing/MemoryNetwork.js';
import type { ClientResponse, CoapRequest, CoapRequestHandler, ObserveCancelReason, ObserveRegistration } from './types.js';

/** Deterministic randomness: timeouts exactly ACK_TIMEOUT, distinct tokens. */
function fixedRandom(): Random {
  let n = 0;
  return {
    next: () => 0,
    bytes: (len) => {
      n++;
      const out = new Uint8Array(len);
      for (let i = 0; i < len; i++) out[i] = (n >> (8 * (len - 1 - i))) & 0xff;
      return out;
    },
  };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (u: Uint8Array): string => new TextDecoder().decode(u);
const bytesOf = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);

interface Rig {
  net: MemoryNetwork;
  clock: FakeClock;
  st: MemoryTransport;
  ct: MemoryTransport;
  server: CoapEndpoint;
  client: CoapEndpoint;
  decoded(filter?: (s: Sent) => boolean): CoapMessage[];
}

const endpoints: CoapEndpoint[] = [];
afterEach(async () => {
  for (const e of endpoints.splice(0)) await e.close();
});

function rig(handler?: CoapRequestHandler, extra: { blockSize?: number; maxDedupEntries?: number; notifyConEvery?: number } = {}): Rig {
  const net = new MemoryNetwork();
  const clock = new FakeClock(1_000_000);
  const st = net.transport();
  const ct = net.transport();
  const server = new CoapEndpoint({ transport: st, clock, random: fixedRandom(), ...(handler ? { handler } : {}), ...extra });
  const client = new CoapEndpoint({ transport: ct, clock, random: fixedRandom(), ...extra });
  endpoints.push(server, client);
  return {
    net,
    clock,
    st,
    ct,
    server,
    client,
    decoded: (filter) => net.log.filter((s) => !filter || filter(s)).map((s) => decodeMessage(s.data) as CoapMessage),
  };
}

function raw(type: CoapType, code: number, mid: number, token: number[], options: CoapOptionValue[], payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return encodeMessage({ type, code, messageId: mid, token: Uint8Array.from(token), options, payload });
}

const toServer = (r: Rig) => (s: Sent) => s.to.port === r.st.address().port;
const toClient = (r: Rig) => (s: Sent) => s.to.port === r.ct.address().port;

describe('CoapEndpoint request/response', () => {
  it('carries method, path, query, formats and payload both ways (piggybacked)', async () => {
    let seen: CoapRequest | undefined;
    const r = rig(async (req) => {
      seen = req;
      return { code: '2.01', locationPath: ['rd', 'abc'], contentFormat: 0, payload: text('ok') };
    });
    const p = r.client.request(r.st.address(), { method: 'POST', path: '/rd?ep=dev1&lt=300', query: ['b=U'], contentFormat: 40, accept: 0, payload: text('</3/0>') });
    await flush();
    const res = await p;
    expect(res).toEqual({ code: '2.01', locationPath: ['rd', 'abc'], contentFormat: 0, payload: text('ok') });
    expect(seen?.method).toBe('POST');
    expect(seen?.path).toEqual(['rd']);
    expect(seen?.query).toEqual(['ep=dev1', 'lt=300', 'b=U']);
    expect(seen?.contentFormat).toBe(40);
    expect(seen?.accept).toBe(0);
    expect(str(seen?.payload ?? new Uint8Array())).toBe('</3/0>');
    expect(seen?.confirmable).toBe(true);
    // one CON, one ACK carrying the response
    const msgs = r.decoded();
    expect(msgs.map((m) => m.type)).toEqual(['CON', 'ACK']);
    expect(msgs[1]?.messageId).toBe(msgs[0]?.messageId);
  });

  it('answers 4.04 without a handler, 5.00 when the handler throws, 4.02 on an unknown critical option', async () => {
    const r = rig();
    await expect(r.client.request(r.st.address(), { method: 'GET', path: 'x' })).resolves.toMatchObject({ code: '4.04' });
    r.server.setHandler(async () => {
      throw new Error('boom');
    });
    await expect(r.client.request(r.st.address(), { method: 'GET', path: 'x' })).resolves.toMatchObject({ code: '5.00' });
    expect(r.server.stats().handlerErrors).toBe(1);
    r.net.inject(r.st, r.ct.address(), raw('CON', 1, 77, [1], [{ number: 2049 + 2, value: new Uint8Array([1]) }]));
    r.net.inject(r.st, r.ct.address(), raw('CON', 1, 78, [2], [{ number: 9, value: new Uint8Array([1]) }]));
    await flush();
    const acks = r.decoded(toClient(r)).filter((m) => m.messageId === 77 || m.messageId === 78);
    expect(acks.map((m) => m.code)).toEqual([0x82, 0x82]);
  });

  it('retransmits a CON with RFC 7252 back-off and rejects COAP_TIMEOUT after MAX_RETRANSMIT', async () => {
    const r = rig(async () => ({ code: '2.05' }));
    r.net.dropIf = () => true;
    const p = r.client.request(r.st.address(), { method: 'GET', path: 'x' });
    let err: unknown;
    p.catch((e: unknown) => (err = e));
    const sends = (): number => r.net.log.length;
    expect(sends()).toBe(1);
    // random.next() = 0 -> initial timeout exactly ACK_TIMEOUT = 2 s, then 4, 8, 16, and a final 32 s wait.
    for (const [wait, expected] of [[1999, 1], [1, 2], [3999, 2], [1, 3], [8000, 4], [16000, 5]] as const) {
      r.clock.advance(wait);
      await flush();
      expect(sends()).toBe(expected);
    }
    r.clock.advance(31_999);
    await flush();
    expect(err).toBeUndefined();
    r.clock.advance(1);
    await flush();
    expect(err).toBeInstanceOf(CoapError);
    expect((err as CoapError).code).toBe('COAP_TIMEOUT');
    expect(sends()).toBe(5);
    const ids = new Set(r.decoded().map((m) => m.messageId));
    expect(ids.size).toBe(1); // retransmissions reuse the message id
    expect(r.client.stats()).toMatchObject({ retransmissions: 4, timeouts: 1, pendingRequests: 0 });
    expect(r.clock.pending).toBe(0);
  });

  it('honours configured retransmission parameters', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const t = net.transport();
    const ep = new CoapEndpoint({ transport: t, clock, random: { next: () => 0.999999, bytes: (n) => new Uint8Array(n) }, ackTimeoutMs: 100, ackRandomFactor: 2, maxRetransmit: 1 });
    endpoints.push(ep);
    const p = ep.request({ address: 'mem', port: 1 }, { method: 'GET', path: 'x' });
    p.catch(() => undefined);
    clock.advance(199);
    expect(net.log.length).toBe(1);
    clock.advance(1);
    expect(net.log.length).toBe(2);
    clock.advance(400);
    await expect(p).rejects.toMatchObject({ code: 'COAP_TIMEOUT' });
  });

  it('a retransmitted request whose ACK was lost gets the cached response, handler runs once', async () => {
    let calls = 0;
    const r = rig(async () => {
      calls++;
      return { code: '2.05', payload: text(`v${calls}`) };
    });
    let droppedAcks = 0;
    r.net.dropIf = (s) => s.to.port === r.ct.address().port && droppedAcks++ === 0;
    const p = r.client.request(r.st.address(), { method: 'GET', path: 'x' });
    await flush();
    r.clock.advance(2000);
    await flush();
    const res = await p;
    expect(str(res.payload)).toBe('v1');
    expect(calls).toBe(1);
    expect(r.server.stats().duplicates).toBe(1);
    const acks = r.decoded(toClient(r));
    expect(acks).toHaveLength(2);
    expect(Buffer.from(r.net.log.filter(toClient(r))[0]!.data).equals(Buffer.from(r.net.log.filter(toClient(r))[1]!.data))).toBe(true);
  });

  it('replays the cached reply for duplicate CONs until EXCHANGE_LIFETIME, then treats the id as new', async () => {
    let calls = 0;
    const r = rig(async () => ({ code: '2.05', payload: text(`v${++calls}`) }));
    const peer = r.ct.address();
    const req = raw('CON', 1, 4242, [9, 9], [textOption(CoapOption.UriPath, 'x')]);
    r.net.inject(r.st, peer, req);
    await flush();
    r.clock.advance(200_000);
    r.net.inject(r.st, peer, req);
    await flush();
    expect(calls).toBe(1);
    const replies = r.decoded(toClient(r));
    expect(replies.map((m) => str(m.payload))).toEqual(['v1', 'v1']);
    r.clock.advance(47_000); // past 247 s
    r.net.inject(r.st, peer, req);
    await flush();
    expect(calls).toBe(2);
    expect(r.server.stats().duplicates).toBe(1);
  });

  it('forgets message ids of a peer whose DTLS session went down', async () => {
    let calls = 0;
    const r = rig(async () => ({ code: '2.05', payload: text(`v${++calls}`) }));
    const req = raw('CON', 1, 4243, [1], [textOption(CoapOption.UriPath, 'x')]);
    r.net.inject(r.st, r.ct.address(), req);
    await flush();
    r.st.emitSession({ kind: 'down', peer: r.ct.address(), reason: 'test' });
    r.net.inject(r.st, r.ct.address(), req);
    await flush();
    expect(calls).toBe(2);
    expect(r.server.stats().duplicates).toBe(0);
  });

  it('ignores duplicate NON requests', async () => {
    let calls = 0;
    const r = rig(async () => ({ code: '2.05', payload: text(`v${++calls}`) }));
    const req = raw('NON', 1, 5, [1], [textOption(CoapOption.UriPath, 'x')]);
    r.net.inject(r.st, r.ct.address(), req);
    r.net.inject(r.st, r.ct.address(), req);
    await flush();
    expect(calls).toBe(1);
    const replies = r.decoded(toClient(r));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.type).toBe('NON');
  });

  it('bounds the dedup cache (oldest evicted)', async () => {
    const r = rig(async () => ({ code: '2.05' }), { maxDedupEntries: 3 });
    for (let mid = 1; mid <= 5; mid++) r.net.inject(r.st, r.ct.address(), raw('CON', 1, mid, [mid], []));
    await flush();
    expect(r.server.stats().dedupEntries).toBe(3);
  });

  it('sends an empty ACK and then a separate CON response when the handler is slow', async () => {
    let release: (() => void) | undefined;
    const r = rig(() => new Promise((res) => (release = () => res({ code: '2.04', payload: text('late') }))));
    const p = r.client.request(r.st.address(), { method: 'PUT', path: 'x', payload: text('v') });
    await flush();
    r.clock.advance(999);
    await flush();
    expect(r.decoded(toClient(r))).toHaveLength(0);
    r.clock.advance(1);
    await flush();
    const [emptyAck] = r.decoded(toClient(r));
    expect(emptyAck).toMatchObject({ type: 'ACK', code: 0 });
    // the client's retransmission timer is stopped by the empty ACK
    r.clock.advance(60_000);
    await flush();
    expect(r.decoded(toServer(r))).toHaveLength(1);
    release?.();
    await flush();
    const res = await p;
    expect(res.code).toBe('2.04');
    expect(str(res.payload)).toBe('late');
    const toC = r.decoded(toClient(r));
    expect(toC[1]).toMatchObject({ type: 'CON', code: 0x44 });
    // the client acknowledged the separate response
    const toS = r.decoded(toServer(r));
    expect(toS[1]).toMatchObject({ type: 'ACK', code: 0, messageId: toC[1]?.messageId });
    expect(r.server.stats().separateResponses).toBe(1);
  });

  it('rejects COAP_RESET when the peer answers with RST, and answers a ping with RST', async () => {
    const r = rig();
    r.net.dropIf = (s) => s.to.port === r.st.address().port;
    const p = r.client.request(r.st.address(), { method: 'GET', path: 'x' });
    const [sent] = r.decoded();
    r.net.inject(r.ct, r.st.address(), raw('RST', 0, sent!.messageId, [], []));
    await expect(p).rejects.toMatchObject({ code: 'COAP_RESET' });
    r.net.dropIf = undefined;
    r.net.inject(r.st, r.ct.address(), new Uint8Array([0x40, 0, 0x12, 0x34]));
    await flush();
    expect(r.decoded(toClient(r)).at(-1)).toMatchObject({ type: 'RST', messageId: 0x1234 });
  });

  it('nstart: 1 keeps one request per peer in flight, queues the rest, and times queued ones out', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const st = net.transport();
    const ct = net.transport();
    const releases: (() => void)[] = [];
    const server = new CoapEndpoint({ transport: st, clock, random: fixedRandom(), handler: () => new Promise((res) => releases.push(() => res({ code: '2.05' }))) });
    const client = new CoapEndpoint({ transport: ct, clock, random: fixedRandom(), nstart: 1 });
    endpoints.push(server, client);
    const a = client.request(st.address(), { method: 'GET', path: 'a' });
    const b = client.request(st.address(), { method: 'GET', path: 'b' });
    const c = client.request(st.address(), { method: 'GET', path: 'c', timeoutMs: 500 });
    c.catch(() => undefined);
    await flush();
    expect(net.log.filter((s) => s.to.port === st.address().port)).toHaveLength(1);
    clock.advance(500);
    await expect(c).rejects.toMatchObject({ code: 'COAP_TIMEOUT' });
    releases.shift()?.();
    await expect(a).resolves.toMatchObject({ code: '2.05' });
    await flush();
    expect(net.log.filter((s) => s.to.port === st.address().port)).toHaveLength(2);
    releases.shift()?.();
    await expect(b).resolves.toMatchObject({ code: '2.05' });
  });

  it('rejects a request it cannot encode with COAP_BAD_REQUEST, sending nothing', async () => {
    const r = rig();
    await expect(r.client.request(r.st.address(), { method: 'GET', path: ['x'.repeat(256)] })).rejects.toMatchObject({ code: 'COAP_BAD_REQUEST' });
    await expect(r.client.request(r.st.address(), { method: 'GET', path: 'a', query: ['q='.padEnd(300, 'z')] })).rejects.toMatchObject({ code: 'COAP_BAD_REQUEST' });
    expect(r.net.log).toHaveLength(0);
  });

  it('ping: an empty CON answered by RST; COAP_TIMEOUT when nobody answers', async () => {
    const r = rig();
    r.clock.advance(0);
    await expect(r.client.ping(r.st.address())).resolves.toBe(0);
    const [ping, rst] = r.decoded();
    expect(ping).toMatchObject({ type: 'CON', code: 0 });
    expect(rst).toMatchObject({ type: 'RST', code: 0, messageId: ping?.messageId });
    r.net.dropIf = () => true;
    const p = r.client.ping(r.st.address());
    p.catch(() => undefined);
    r.clock.advance(62_000);
    await expect(p).rejects.toMatchObject({ code: 'COAP_TIMEOUT' });
  });

  it('rejects with COAP_PEER_FORGOTTEN on forgetPeer and COAP_CLOSED on close', async () => {
    const r = rig();
    r.net.dropIf = () => true;
    const p1 = r.client.request(r.st.address(), { method: 'GET', path: 'x' });
    r.client.forgetPeer(r.st.address());
    await expect(p1).rejects.toMatchObject({ code: 'COAP_PEER_FORGOTTEN' });
    const p2 = r.client.request(r.st.address(), { method: 'GET', path: 'x' });
    await r.client.close();
    await expect(p2).rejects.toMatchObject({ code: 'COAP_CLOSED' });
    await expect(r.client.request(r.st.address(), { method: 'GET', path: 'x' })).rejects.toBeInstanceOf(CoapError);
    expect(r.ct.closed).toBe(true);
  });

  it('answers an unknown-token CON response with RST', async () => {
    const r = rig();
    r.net.inject(r.ct, r.st.address(), raw('CON', 0x45, 900, [7, 7, 7], [], text('x')));
    await flush();
    expect(r.decoded().at(-1)).toMatchObject({ type: 'RST', messageId: 900 });
  });

  it('drops and counts garbage, RSTs a malformed CON, never throws', async () => {
    const r = rig(async () => ({ code: '2.05' }));
    const junk = [new Uint8Array(0), new Uint8Array([1]), new Uint8Array([0x40, 1, 0, 1, 0xff]), new Uint8Array([0x4f, 1, 0, 2]), new Uint8Array([0x60, 0x01, 0, 3])];
    for (const j of junk) r.net.inject(r.st, r.ct.address(), j);
    await flush();
    expect(r.server.stats().malformedDropped).toBe(5);
    const rsts = r.decoded(toClient(r)).filter((m) => m.type === 'RST');
    expect(rsts.map((m) => m.messageId).sort()).toEqual([1, 2]);
    // still serving
    await expect(r.client.request(r.st.address(), { method: 'GET', path: 'x' })).resolves.toMatchObject({ code: '2.05' });
  });
});

describe('CoapEndpoint block-wise', () => {
  it('Block2: a large response is cut by the server and reassembled by the client', async () => {
    const body = bytesOf(1000);
    const r = rig(async () => ({ code: '2.05', contentFormat: 42, payload: body }), { blockSize: 256 });
    const res = await r.client.request(r.st.address(), { method: 'GET', path: '/5/0/0' });
    expect(res.code).toBe('2.05');
    expect(res.contentFormat).toBe(42);
    expect(Buffer.from(res.payload).equals(Buffer.from(body))).toBe(true);
    const acks = r.decoded(toClient(r));
    expect(acks.map((m) => decodeBlock(getOption(m, CoapOption.Block2)!))).toEqual([
      { num: 0, more: true, szx: 4 },
      { num: 1, more: true, szx: 4 },
      { num: 2, more: true, szx: 4 },
      { num: 3, more: false, szx: 4 },
    ]);
    expect(getUintOption(acks[0]!, CoapOption.Size2)).toBe(1000);
  });

  it('Block2: honours a smaller block size asked by the client (early negotiation)', async () => {
    const body = bytesOf(100);
    const r = rig(async () => ({ code: '2.05', payload: body }));
    r.net.inject(r.st, r.ct.address(), raw('CON', 1, 10, [1], [{ number: CoapOption.Block2, value: encodeBlock({ num: 0, more: false, szx: 1 }) }]));
    r.net.inject(r.st, r.ct.address(), raw('CON', 1, 11, [2], [{ number: CoapOption.Block2, value: encodeBlock({ num: 3, more: false, szx: 1 }) }]));
    await flush();
    const [a, b] = r.decoded(toClient(r));
    expect(decodeBlock(getOption(a!, CoapOption.Block2)!)).toEqual({ num: 0, more: true, szx: 1 });
    expect(a?.payload.length).toBe(32);
    expect(decodeBlock(getOption(b!, CoapOption.Block2)!)).toEqual({ num: 3, more: false, szx: 1 });
    expect(Buffer.from(b!.payload).equals(Buffer.from(body.subarray(96)))).toBe(true);
  });

  it('Block1: the client sends a large body block-wise, the server reassembles it', async () => {
    const body = bytesOf(3000);
    let got: Uint8Array | undefined;
    let calls = 0;
    const r = rig(
      async (req) => {
        calls++;
        got = req.payload;
        return { code: '2.04' };
      },
      { blockSize: 1024 },
    );
    const res = await r.client.request(r.st.address(), { method: 'PUT', path: '/5/0/0', payload: body, contentFormat: 42 });
    expect(res.code).toBe('2.04');
    expect(calls).toBe(1);
    expect(Buffer.from(got!).equals(Buffer.from(body))).toBe(true);
    const reqs = r.decoded(toServer(r));
    expect(reqs.map((m) => decodeBlock(getOption(m, CoapOption.Block1)!))).toEqual([
      { num: 0, more: true, szx: 6 },
      { num: 1, more: true, szx: 6 },
      { num: 2, more: false, szx: 6 },
    ]);
    expect(getUintOption(reqs[0]!, CoapOption.Size1)).toBe(3000);
    expect(r.decoded(toClient(r)).map((m) => m.code)).toEqual([0x5f, 0x5f, 0x44]);
    expect(r.server.stats().block1Transfers).toBe(0);
  });

  it('Block1: reassembles by peer + URI when the token changes on every block (libcoap style)', async () => {
    let got: CoapRequest | undefined;
    const r = rig(async (req) => {
      got = req;
      return { code: '2.01' };
    });
    const body = bytesOf(40);
    const uri = [textOption(CoapOption.UriPath, 'bs')];
    const blk = (num: number, more: boolean): CoapOptionValue => ({ number: CoapOption.Block1, value: encodeBlock({ num, more, szx: 0 }) });
    r.net.inject(r.st, r.ct.address(), raw('CON', 2, 1, [0xa1], [...uri, blk(0, true)], body.subarray(0, 16)));
    await flush();
    r.net.inject(r.st, r.ct.address(), raw('CON', 2, 2, [0xb2, 0x01], [...uri, blk(1, true)], body.subarray(16, 32)));
    await flush();
    r.net.inject(r.st, r.ct.address(), raw('CON', 2, 3, [0xc3, 0x02, 0x03], [...uri, blk(2, false)], body.subarray(32)));
    await flush();
    expect(got && Buffer.from(got.payload).equals(Buffer.from(body))).toBe(true);
    expect(Buffer.from(got!.token).toString('hex')).toBe('c30203');
    const replies = r.decoded(toClient(r));
    expect(replies.map((m) => m.code)).toEqual([0x5f, 0x5f, 0x41]);
    expect(replies.map((m) => Buffer.from(m.token).toString('hex'))).toEqual(['a1', 'b201', 'c30203']);
    expect(decodeBlock(getOption(replies[2]!, CoapOption.Block1)!)).toEqual({ num: 2, more: false, szx: 0 });
  });

  it('Block1: two interleaved bodies to the same URI are told apart by Request-Tag', async () => {
    const got: string[] = [];
    const r = rig(async (req) => {
      got.push(str(req.payload));
      return { code: '2.04' };
    });
    const a = text('A'.repeat(16) + 'a-end');
    const b = text('B'.repeat(16) + 'b-end');
    const opts = (tag: number, num: number, more: boolean): CoapOptionValue[] => [
      textOption(CoapOption.UriPath, 'x'),
      { number: CoapOption.Block1, value: encodeBlock({ num, more, szx: 0 }) },
      { number: CoapOption.RequestTag, value: Uint8Array.of(tag) },
    ];
    r.net.inject(r.st, r.ct.address(), raw('CON', 3, 1, [1], opts(1, 0, true), a.subarray(0, 16)));
    r.net.inject(r.st, r.ct.address(), raw('CON', 3, 2, [2], opts(2, 0, true), b.subarray(0, 16)));
    r.net.inject(r.st, r.ct.address(), raw('CON', 3, 3, [3], opts(1, 1, false), a.subarray(16)));
    r.net.inject(r.st, r.ct.address(), raw('CON', 3, 4, [4], opts(2, 1, false), b.subarray(16)));
    await flush();
    expect(got).toEqual([str(a), str(b)]);
  });

  it('Block1: reassembly memory is bounded (oldest transfer evicted, then 4.13)', async () => {
    const net = new MemoryNetwork();
    const st = net.transport();
    const peer = { address: 'mem', port: 9 };
    const server = new CoapEndpoint({ transport: st, clock: new FakeClock(), random: fixedRandom(), maxBlock1Bytes: 48, handler: async () => ({ code: '2.04' }) });
    endpoints.push(server);
    const blk = (path: string, num: number, more: boolean): CoapOptionValue[] => [
      textOption(CoapOption.UriPath, path),
      { number: CoapOption.Block1, value: encodeBlock({ num, more, szx: 0 }) },
    ];
    const codes: number[] = [];
    net.dropIf = (s) => {
      codes.push((decodeMessage(s.data) as CoapMessage).code);
      return false;
    };
    let mid = 0;
    const send = (path: string, num: number, more: boolean): void => net.inject(st, peer, raw('CON', 2, ++mid, [mid], blk(path, num, more), bytesOf(16)));
    send('a', 0, true);
    send('a', 1, true); // a holds 32 bytes
    send('b', 0, true); // 48: at the budget
    send('b', 1, true); // would be 64: a is evicted
    await flush();
    expect(server.stats()).toMatchObject({ block1Transfers: 1, block1Bytes: 32 });
    send('a', 2, true); // a's state is gone
    send('c', 0, true);
    send('c', 1, true); // b evicted
    send('c', 2, true); // c holds 48
    send('c', 3, true); // c alone would exceed the budget
    await flush();
    expect(codes).toEqual([0x5f, 0x5f, 0x5f, 0x5f, 0x88, 0x5f, 0x5f, 0x5f, 0x8d]);
    expect(server.stats().block1Bytes).toBeLessThanOrEqual(48);
  });

  it('Block1: a missing block is 4.08, a too large Size1 is 4.13 with Size1', async () => {
    const r = rig(async () => ({ code: '2.04' }));
    const blk = (num: number, more: boolean): CoapOptionValue => ({ number: CoapOption.Block1, value: encodeBlock({ num, more, szx: 0 }) });
    r.net.inject(r.st, r.ct.address(), raw('CON', 3, 1, [1], [blk(0, true)], bytesOf(16)));
    await flush();
    r.net.inject(r.st, r.ct.address(), raw('CON', 3, 2, [1], [blk(2, true)], bytesOf(16)));
    await flush();
    r.net.inject(r.st, r.ct.address(), raw('CON', 3, 3, [1], [blk(0, true), { number: CoapOption.Size1, value: encodeUint(10 * 1024 * 1024) }], bytesOf(16)));
    await flush();
    const replies = r.decoded(toClient(r));
    expect(replies.map((m) => m.code)).toEqual([0x5f, 0x88, 0x8d]);
    expect(getUintOption(replies[2]!, CoapOption.Size1)).toBe(1024 * 1024);
  });

  it('Block1 client: restarts the transfer once when the server answers 4.08', async () => {
    let got: Uint8Array | undefined;
    const r = rig(
      async (req) => {
        got = req.payload;
        return { code: '2.04' };
      },
      { blockSize: 64 },
    );
    const body = bytesOf(200);
    // the server loses its reassembly state after the second block (e.g. it was restarted)
    let seenBlocks = 0;
    r.net.dropIf = (s) => {
      if (s.to.port === r.st.address().port && ++seenBlocks === 3) r.server.forgetPeer(r.ct.address());
      return false;
    };
    const res = await r.client.request(r.st.address(), { method: 'PUT', path: 'x', payload: body });
    expect(res.code).toBe('2.04');
    expect(Buffer.from(got!).equals(Buffer.from(body))).toBe(true);
    expect(r.decoded(toClient(r)).map((m) => m.code)).toEqual([0x5f, 0x5f, 0x88, 0x5f, 0x5f, 0x5f, 0x44]);
  });

  it('Block1 client: switches to the smaller block size the server asks for in 2.31', async () => {
    const r = rig();
    const body = bytesOf(200);
    // act as the server by hand for the first message: drop it before the real server endpoint sees it
    r.net.dropIf = (s) => s.to.port === r.st.address().port;
    const p = r.client.request(r.st.address(), { method: 'POST', path: 'x', payload: body });
    await flush();
    r.net.dropIf = () => false;
    const first = r.decoded(toServer(r))[0]!;
    expect(first.payload.length).toBe(200); // fits one 1024 block: no Block1
    r.net.inject(r.ct, r.st.address(), raw('ACK', 0x8d, first.messageId, [...first.token], [{ number: CoapOption.Block1, value: encodeBlock({ num: 0, more: false, szx: 2 }) }]));
    await flush();
    // now block-wise with 64-byte blocks; the real server endpoint answers from here on
    const res = await p;
    expect(res.code).toBe('4.04'); // no handler on the server: the reassembled request got a 4.04
    const blocks = r.decoded(toServer(r)).slice(1).map((m) => decodeBlock(getOption(m, CoapOption.Block1)!));
    expect(blocks).toEqual([
      { num: 0, more: true, szx: 2 },
      { num: 1, more: true, szx: 2 },
      { num: 2, more: true, szx: 2 },
      { num: 3, more: false, szx: 2 },
    ]);
  });
});

describe('CoapEndpoint observe', () => {
  function observeRig(extra: { notifyConEvery?: number } = {}): Rig & { reg: () => ObserveRegistration; cancels: ObserveCancelReason[]; requests: CoapRequest[] } {
    let reg: ObserveRegistration | undefined;
    const cancels: ObserveCancelReason[] = [];
    const requests: CoapRequest[] = [];
    const r = rig(async (req, ctx) => {
      requests.push(req);
      if (ctx.observe) {
        reg = ctx.observe;
        ctx.observe.accept();
        ctx.observe.onCancel((why) => cancels.push(why));
      }
      return { code: '2.05', contentFormat: 0, payload: text('v0') };
    }, extra);
    return Object.assign(r, { reg: () => reg!, cancels, requests });
  }

  it('registers, delivers notifications in order, and drops stale ones', async () => {
    const r = observeRig();
    const got: ClientResponse[] = [];
    const obs = await r.client.observe(r.st.address(), { method: 'GET', path: '/3/0/9' }, (n) => got.push(n));
    expect(obs.active).toBe(true);
    expect(str(obs.response.payload)).toBe('v0');
    expect(obs.response.observe).toBeTypeOf('number');
    expect(r.requests[0]?.observe).toBe(0);
    await r.reg().notify({ code: '2.05', payload: text('v1') });
    await r.reg().notify({ code: '2.05', payload: text('v2') });
    await flush();
    expect(got.map((n) => str(n.payload))).toEqual(['v1', 'v2']);
    // replay an older notification by hand (same token): dropped as stale, but a CON one is still ACKed
    const tok = [...r.reg().token];
    const seq0 = obs.response.observe!;
    r.net.inject(r.ct, r.st.address(), raw('CON', 0x45, 3000, tok, [{ number: CoapOption.Observe, value: encodeUint(seq0) }], text('old')));
    await flush();
    expect(got).toHaveLength(2);
    expect(r.client.stats().staleNotifications).toBe(1);
    expect(r.decoded(toServer(r)).at(-1)).toMatchObject({ type: 'ACK', messageId: 3000 });
    // after 128 s, any sequence number counts as newer
    r.clock.advance(129_000);
    r.net.inject(r.ct, r.st.address(), raw('NON', 0x45, 3001, tok, [{ number: CoapOption.Observe, value: encodeUint(seq0) }], text('fresh')));
    await flush();
    expect(got.map((n) => str(n.payload))).toEqual(['v1', 'v2', 'fresh']);
  });

  it('handles sequence wrap-around at 2^24', async () => {
    const r = observeRig();
    const got: string[] = [];
    await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, (n) => got.push(str(n.payload)));
    const tok = [...r.reg().token];
    const send = (mid: number, seq: number, p: string): void =>
      r.net.inject(r.ct, r.st.address(), raw('NON', 0x45, mid, tok, [{ number: CoapOption.Observe, value: encodeUint(seq) }], text(p)));
    send(1, 2 ** 23 + 1, 'a'); // registration had seq 2: less than 2^23 ahead -> newer
    send(2, 2 ** 24 - 2, 'b');
    send(3, 1, 'c'); // wrapped: newer
    send(4, 2 ** 24 - 1, 'd'); // older than 1 after the wrap
    send(5, 2 ** 23 + 10, 'e'); // more than 2^23 ahead of 1 -> older
    await flush();
    expect(got).toEqual(['a', 'b', 'c']);
    expect(r.client.stats().staleNotifications).toBe(2);
  });

  it('sends a CON notification every N, NON otherwise', async () => {
    const r = observeRig({ notifyConEvery: 3 });
    await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, () => undefined);
    for (let i = 1; i <= 6; i++) await r.reg().notify({ code: '2.05', payload: text(`v${i}`) });
    await flush();
    const notes = r.decoded(toClient(r)).slice(1);
    expect(notes.map((m) => m.type)).toEqual(['NON', 'NON', 'CON', 'NON', 'NON', 'CON']);
    const seqs = notes.map((m) => getUintOption(m, CoapOption.Observe)!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('passive cancel: the next notification is answered with RST and the server forgets the observation', async () => {
    const r = observeRig();
    const got: string[] = [];
    const obs = await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, (n) => got.push(str(n.payload)));
    await obs.cancel();
    expect(obs.active).toBe(false);
    await r.reg().notify({ code: '2.05', payload: text('late') });
    await flush();
    expect(got).toEqual([]);
    expect(r.decoded(toServer(r)).at(-1)?.type).toBe('RST');
    expect(r.cancels).toEqual(['reset']);
    expect(r.reg().active).toBe(false);
    expect(r.server.stats().serverObservations).toBe(0);
  });

  it('a RST to a CON notification also cancels', async () => {
    const r = observeRig({ notifyConEvery: 1 });
    const obs = await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, () => undefined);
    await obs.cancel();
    await r.reg().notify({ code: '2.05', payload: text('late') });
    expect(r.decoded(toClient(r)).at(-1)?.type).toBe('CON');
    expect(r.decoded(toServer(r)).at(-1)?.type).toBe('RST');
    expect(r.cancels).toEqual(['reset']);
  });

  it('active cancel: GET with Observe: 1 on the same token deregisters', async () => {
    const r = observeRig();
    const obs = await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, () => undefined);
    const token = Buffer.from(r.reg().token).toString('hex');
    await obs.cancel(true);
    expect(r.requests[1]?.observe).toBe(1);
    expect(Buffer.from(r.requests[1]!.token).toString('hex')).toBe(token);
    expect(r.cancels).toEqual(['deregistered']);
    expect(r.client.stats().clientObservations).toBe(0);
  });

  it('a slow registration gets a separate response; a RST to it cancels the observation', async () => {
    const cancels: ObserveCancelReason[] = [];
    let release: (() => void) | undefined;
    const r = rig((_req, ctx) => {
      ctx.observe?.accept();
      ctx.observe?.onCancel((why) => cancels.push(why));
      return new Promise((res) => (release = () => res({ code: '2.05', payload: text('v0') })));
    });
    r.net.inject(r.st, r.ct.address(), raw('CON', 1, 500, [5], [textOption(CoapOption.UriPath, 'x'), { number: CoapOption.Observe, value: encodeUint(0) }]));
    await flush();
    r.clock.advance(1000);
    release?.();
    await flush();
    const [emptyAck, separate] = r.decoded(toClient(r));
    expect(emptyAck).toMatchObject({ type: 'ACK', code: 0, messageId: 500 });
    expect(separate).toMatchObject({ type: 'CON', code: 0x45 });
    expect(getUintOption(separate!, CoapOption.Observe)).toBeTypeOf('number');
    // the request was injected by hand, so the client endpoint does not know the token: it RSTs
    await flush();
    expect(r.decoded(toServer(r)).at(-1)).toMatchObject({ type: 'RST', messageId: separate!.messageId });
    expect(cancels).toEqual(['reset']);
    expect(r.server.stats().serverObservations).toBe(0);
  });

  it('a CON notification that is never acknowledged ends the observation (timeout)', async () => {
    const r = observeRig({ notifyConEvery: 1 });
    await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, () => undefined);
    r.net.dropIf = () => true;
    const p = r.reg().notify({ code: '2.05', payload: text('x') });
    r.clock.advance(100_000);
    await p;
    expect(r.cancels).toEqual(['timeout']);
  });

  it('a non-2.xx notification ends the observation on both sides', async () => {
    const r = observeRig();
    const got: string[] = [];
    const obs = await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, (n) => got.push(n.code));
    const ended: ObserveCancelReason[] = [];
    obs.onEnd((why) => ended.push(why));
    await r.reg().notify({ code: '4.04' });
    await flush();
    expect(got).toEqual(['4.04']);
    expect(ended).toEqual(['ended']);
    expect(obs.active).toBe(false);
    expect(r.cancels).toEqual(['ended']);
  });

  it('large notifications: first block pushed, the client fetches the rest (Block2)', async () => {
    const r = observeRig();
    const got: Uint8Array[] = [];
    let reg: ObserveRegistration | undefined;
    const body = bytesOf(2500);
    r.server.setHandler(async (_req, ctx) => {
      if (ctx.observe) {
        reg = ctx.observe;
        ctx.observe.accept();
      }
      return { code: '2.05', payload: body };
    });
    const obs = await r.client.observe(r.st.address(), { method: 'GET', path: 'big' }, (n) => got.push(n.payload));
    expect(Buffer.from(obs.response.payload).equals(Buffer.from(body))).toBe(true);
    const body2 = bytesOf(2100).reverse();
    r.server.setHandler(async () => ({ code: '2.05', payload: body2 }));
    await reg!.notify({ code: '2.05', payload: body2 });
    for (let i = 0; i < 10; i++) await flush();
    expect(got).toHaveLength(1);
    expect(Buffer.from(got[0]!).equals(Buffer.from(body2))).toBe(true);
  });

  it('close() settles a pending CON notification and ends the observation', async () => {
    const r = observeRig({ notifyConEvery: 1 });
    await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, () => undefined);
    r.net.dropIf = () => true;
    const p = r.reg().notify({ code: '2.05', payload: text('x') });
    await r.server.close();
    await expect(p).resolves.toBeUndefined();
    expect(r.cancels).toEqual(['closed']);
    expect(r.clock.pending).toBe(0); // no retransmission timer left behind
  });

  it('forgetPeer ends server and client observations', async () => {
    const r = observeRig();
    const obs = await r.client.observe(r.st.address(), { method: 'GET', path: 'x' }, () => undefined);
    const ended: ObserveCancelReason[] = [];
    obs.onEnd((w) => ended.push(w));
    r.server.forgetPeer(r.ct.address());
    r.client.forgetPeer(r.st.address());
    expect(r.cancels).toEqual(['forgotten']);
    expect(ended).toEqual(['forgotten']);
    expect(r.server.stats().serverObservations).toBe(0);
  });
});


