import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/Clock.js';
import type { DatagramTransport } from '../transport/DatagramTransport.js';
import { CoapOption, uintOption, type CoapMessage } from './CoapMessage.js';
import { decodeBlock } from './BlockOption.js';
import { BlockwiseServer } from './BlockwiseServer.js';
import { EndpointContext } from './EndpointContext.js';

const body = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31) & 0xff);
const block = (payload: Uint8Array, size1?: number): CoapMessage => ({
  type: 'CON',
  code: 2,
  messageId: 1,
  token: Uint8Array.of(9),
  options: size1 === undefined ? [] : [uintOption(CoapOption.Size1, size1)],
  payload,
});

function server(extra: { maxBodySize?: number; maxBlock1Bytes?: number } = {}) {
  const clock = new FakeClock(1_764_806_400_000);
  const ctx = new EndpointContext({ transport: {} as DatagramTransport, clock, ...extra });
  return { clock, ctx, blocks: new BlockwiseServer(ctx) };
}

const szx64 = 2;

describe('BlockwiseServer', () => {
  it('reassembles Block1 blocks (2.31 per block) and hands over the whole body', () => {
    const { blocks } = server();
    const data = body(64 * 3 + 10);
    const key = 'p#POST|rd?ep=dev|';
    for (let num = 0; num < 3; num++) {
      const r = blocks.reassemble(key, block(data.subarray(num * 64, num * 64 + 64)), { num, more: true, szx: szx64 });
      expect(r).toMatchObject({ complete: false, code: 0x5f });
    }
    expect(blocks.bytes).toBe(192);
    const last = blocks.reassemble(key, block(data.subarray(192)), { num: 3, more: false, szx: szx64 });
    expect(last.complete).toBe(true);
    if (last.complete) expect(Buffer.from(last.payload).equals(Buffer.from(data))).toBe(true);
    expect(blocks.block1Transfers).toBe(0);
    expect(blocks.bytes).toBe(0);
  });

  it('a gap is 4.08, a short middle block 4.00, a Size1 beyond maxBodySize 4.13', () => {
    const { blocks } = server({ maxBodySize: 1000 });
    const key = 'p#PUT|x?|';
    blocks.reassemble(key, block(body(64)), { num: 0, more: true, szx: szx64 });
    expect(blocks.reassemble(key, block(body(64)), { num: 2, more: true, szx: szx64 })).toMatchObject({ complete: false, code: 0x88 });
    expect(blocks.block1Transfers).toBe(0);
    expect(blocks.reassemble(key, block(body(10)), { num: 0, more: true, szx: szx64 })).toMatchObject({ complete: false, code: 0x80 });
    const big = blocks.reassemble(key, block(body(64), 5000), { num: 0, more: true, szx: szx64 });
    expect(big).toMatchObject({ complete: false, code: 0x8d });
  });

  it('stays within maxBlock1Bytes by evicting the oldest other transfer', () => {
    const { blocks } = server({ maxBlock1Bytes: 128 });
    blocks.reassemble('a#PUT|x?|', block(body(64)), { num: 0, more: true, szx: szx64 });
    blocks.reassemble('b#PUT|x?|', block(body(64)), { num: 0, more: true, szx: szx64 });
    blocks.reassemble('c#PUT|x?|', block(body(64)), { num: 0, more: true, szx: szx64 });
    expect(blocks.block1Transfers).toBe(2);
    expect(blocks.bytes).toBe(128);
    expect(blocks.reassemble('a#PUT|x?|', block(body(64)), { num: 1, more: true, szx: szx64 })).toMatchObject({ code: 0x88 });
  });

  it('cuts a large response into Block2 blocks and serves later blocks from the cache until the last', () => {
    const { blocks } = server();
    const data = body(2500);
    const first = blocks.cutBlock('p#GET|3/0?|', 0x45, [], data, undefined);
    expect(decodeBlock(first.options[0]?.value ?? new Uint8Array(0))).toEqual({ num: 0, more: true, szx: 6 });
    expect(first.payload.length).toBe(1024);
    const cached = blocks.cached('p#GET|3/0?|');
    expect(cached?.payload.length).toBe(2500);
    const last = blocks.cutBlock('p#GET|3/0?|', 0x45, [], data, { num: 2, more: false, szx: 6 });
    expect(last.payload.length).toBe(2500 - 2048);
    expect(blocks.cached('p#GET|3/0?|')).toBeUndefined();
    expect(blocks.cutBlock('p#GET|3/0?|', 0x45, [], data, { num: 3, more: false, szx: 6 }).code).toBe(0x82);
  });

  it('sweep frees transfers idle for EXCHANGE_LIFETIME; dropPeer frees one peer’s', () => {
    const { clock, ctx, blocks } = server();
    blocks.reassemble('a|1#PUT|x?|', block(body(64)), { num: 0, more: true, szx: szx64 });
    blocks.cutBlock('a|1#GET|y?|', 0x45, [], body(3000), undefined);
    blocks.reassemble('b|2#PUT|x?|', block(body(64)), { num: 0, more: true, szx: szx64 });
    blocks.dropPeer('b|2');
    expect(blocks.block1Transfers).toBe(1);
    clock.advance(ctx.settings.exchangeLifetimeMs);
    blocks.sweep(clock.now());
    expect(blocks.block1Transfers).toBe(0);
    expect(blocks.cached('a|1#GET|y?|')).toBeUndefined();
  });
});
