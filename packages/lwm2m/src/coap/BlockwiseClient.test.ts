import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/Clock.js';
import type { DatagramTransport, PeerAddress } from '../transport/DatagramTransport.js';
import { CoapOption, getOption, getUintOption, type CoapMessage, type CoapOptionValue } from './CoapMessage.js';
import { decodeBlock, encodeBlock, type BlockOption } from './BlockOption.js';
import { BlockwiseClient } from './BlockwiseClient.js';
import { EndpointContext } from './EndpointContext.js';
import type { Exchange, OutSpec } from './ExchangeMatcher.js';

const peer: PeerAddress = { address: '192.0.2.7', port: 5683 };
const pk = '192.0.2.7|5683';
const body = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 13) & 0xff);

function reply(code: number, options: CoapOptionValue[] = [], payload: Uint8Array = new Uint8Array(0)): CoapMessage {
  return { type: 'ACK', code, messageId: 1, token: Uint8Array.of(1), options, payload };
}
const b1 = (b: BlockOption): CoapOptionValue => ({ number: CoapOption.Block1, value: encodeBlock(b) });
const b2 = (b: BlockOption): CoapOptionValue => ({ number: CoapOption.Block2, value: encodeBlock(b) });

/** A peer scripted by `answer`; records every block sent. */
function client(answer: (spec: OutSpec, n: number) => CoapMessage, blockSize = 64) {
  const ctx = new EndpointContext({ transport: {} as DatagramTransport, clock: new FakeClock(1_764_806_400_000), blockSize });
  const sent: OutSpec[] = [];
  const exchange: Exchange = (_peer, _pk, spec) => {
    sent.push(spec);
    return Promise.resolve(answer(spec, sent.length - 1));
  };
  return { sent, blocks: new BlockwiseClient(ctx, exchange) };
}

const blockOf = (spec: OutSpec, option: number): BlockOption | undefined => {
  const v = getOption({ ...reply(0), options: spec.options }, option);
  return v === undefined ? undefined : decodeBlock(v);
};

describe('BlockwiseClient', () => {
  it('sends a large body in Block1 blocks, Size1 on the first, and follows the server down to smaller blocks', async () => {
    const { sent, blocks } = client((spec) => {
      const b = blockOf(spec, CoapOption.Block1) as BlockOption;
      // the server asks for 32-byte blocks after the first
      return b.more ? reply(0x5f, [b1({ num: b.num, more: true, szx: 1 })]) : reply(0x44, [b1(b)]);
    });
    const data = body(64 + 32 * 3 + 5);
    const r = await blocks.sendBody(peer, pk, { method: 'PUT', path: ['5', '0', '0'], payload: data }, ['5', '0', '0'], [], Uint8Array.of(1), Infinity);
    expect(r.code).toBe(0x44);
    expect(sent.map((s) => blockOf(s, CoapOption.Block1))).toEqual([
      { num: 0, more: true, szx: 2 },
      { num: 2, more: true, szx: 1 },
      { num: 3, more: true, szx: 1 },
      { num: 4, more: true, szx: 1 },
      { num: 5, more: false, szx: 1 },
    ]);
    expect(getUintOption({ ...reply(0), options: sent[0]?.options ?? [] }, CoapOption.Size1)).toBe(data.length);
    expect(Buffer.concat(sent.map((s) => s.payload)).equals(Buffer.from(data))).toBe(true);
  });

  it('restarts a Block1 transfer once when the server lost it (4.08), then gives the 4.08 back', async () => {
    let lost = 0;
    const { sent, blocks } = client((spec) => {
      const b = blockOf(spec, CoapOption.Block1) as BlockOption;
      if (b.num === 1) {
        lost++;
        return reply(0x88);
      }
      return reply(0x5f, [b1(b)]);
    });
    const r = await blocks.sendBody(peer, pk, { method: 'POST', path: ['x'], payload: body(200) }, ['x'], [], Uint8Array.of(1), Infinity);
    expect(r.code).toBe(0x88);
    expect(lost).toBe(2);
    expect(sent.map((s) => blockOf(s, CoapOption.Block1)?.num)).toEqual([0, 1, 0, 1]);
  });

  it('collects a Block2 response block by block and refuses a block at the wrong offset', async () => {
    const data = body(150);
    const serve = (num: number): CoapMessage => reply(0x45, [b2({ num, more: (num + 1) * 64 < data.length, szx: 2 })], data.subarray(num * 64, num * 64 + 64));
    const ok = client((spec) => serve(blockOf(spec, CoapOption.Block2)?.num ?? 0));
    const r = await ok.blocks.collectBlock2(peer, pk, { method: 'GET', path: ['3', '0'] }, ['3', '0'], [], Uint8Array.of(1), serve(0), Infinity);
    expect(r.code).toBe('2.05');
    expect(Buffer.from(r.payload).equals(Buffer.from(data))).toBe(true);
    expect(ok.sent.map((s) => blockOf(s, CoapOption.Block2)?.num)).toEqual([1, 2]);
    const wrong = client(() => serve(2));
    await expect(wrong.blocks.collectBlock2(peer, pk, { method: 'GET', path: ['3', '0'] }, ['3', '0'], [], Uint8Array.of(1), serve(0), Infinity)).rejects.toMatchObject({
      code: 'COAP_BLOCK_FAILED',
    });
  });
});
