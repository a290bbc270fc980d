/**
 * Byte-level vectors of a real LwM2M client: datagrams captured (by hand, on plain CoAP) between
 * AVSystem's Anjay 3.14.0 demo client on its defaults and this bootstrap server, written here as hex
 * of our own. The device side replays Anjay's bytes (its requests, and its answers with the
 * message id and token of our request put in); the server is the real CoapEndpoint + session
 * manager over an in-memory link. What Anjay does that others may not: it first tries a
 * Bootstrap-Pack-Request (GET /bspack, LwM2M 1.2), sends `pct=112`, says `lwm2m=1.2`, keeps its
 * bootstrap account at /0/1 and lists it with `uri` and no `ssid`; as a 1.0 client (`-V 1.0`) it
 * starts its Discover answer with a bare `lwm2m="1.0"` (which once made our parser give up).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CoapEndpoint, InMemoryBootstrapConfigStore, InMemorySecurityStore, type InboundDatagram } from '@chainm2m/lwm2m';
import { BootstrapSessionManager, type BootstrapEventMap } from '../../src/index.js';
import { memoryLink } from '../helpers/MemoryLink.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Anjay -> server: GET /bspack?ep=anjay-vec, Accept 112 (Bootstrap-Pack-Request, LwM2M 1.2). */
const ANJAY_BSPACK = '48012dac57b48eef2c8d199e b662737061636b 4c65703d616e6a61792d766563 2170';
/** Anjay -> server: POST /bs?ep=anjay-vec&pct=112. */
const ANJAY_BS_REQUEST = '48022dad31ccdd88bdb6d697 b26273 4c65703d616e6a61792d766563 077063743d313132';
/** Anjay's answer to Bootstrap-Discover /: 2.05, Content-Format 40, after the 4-byte token. */
const ANJAY_DISCOVER_ANSWER_TAIL =
  'c128ff' +
  Buffer.from(
    '</>;lwm2m=1.2,</0>,</0/1>;uri="coap://127.0.0.1:25783",</1>,</2>,</3>,</3/0>,</4>,</4/0>,</5>,</5/0>,</6>,</6/0>,</7>,</7/0>,</10>;ver=1.1,</10/0>,</11>,</16>,</19>,</20>,</20/0>,</3303>,</3303/0>,</3313>,</3313/0>,</3347>,</3347/0>,</33605>,</33606>,</33606/0>,</33607>,</33607/0>,</33608>,</33609>,</33609/0>',
  ).toString('hex');
/** What our server sent after the message id and token (the captured run), and Anjay answered 2.04 / 2.02 to. */
const SERVER_DISCOVER = 'd10428';
const SERVER_DELETE_0 = 'b130';
const SERVER_DELETE_1 = 'b131';
const SERVER_WRITE_SECURITY_0 =
  'b13001301170ff' + '84a321652f302f302f0061300372636f61703a2f2f3132372e302e302e313a39a200613104f4a20061320203a200623130021865';
const SERVER_WRITE_SERVER_0 = 'b13101301170ff' + '84a321652f312f302f006130021865a20061310219012ca200613604f5a2006137036155';
const SERVER_FINISH = 'b26273';

/** Anjay with `-V 1.0` -> server: POST /bs?ep=anjay-vec (no pct). */
const ANJAY10_BS_REQUEST = '48020b3baf1d46b944200991 b26273 4c65703d616e6a61792d766563';
/** Its answer to Bootstrap-Discover /0: LwM2M 1.0's form, a bare `lwm2m="1.0"` before the links. */
const ANJAY10_DISCOVER_ANSWER_TAIL = 'c128ff' + Buffer.from('lwm2m="1.0",</0>,</0/1>').toString('hex');
/** Discover /0 (Uri-Path 0, Accept 40); then TLV writes Anjay 1.0 accepted. */
const SERVER_DISCOVER_0 = 'b1306128';
const SERVER_WRITE_SECURITY_0_TLV = 'b1300130122d16ff' + 'c80012636f61703a2f2f3132372e302e302e313a39c10100c10203c10a65';
const SERVER_WRITE_SERVER_0_TLV = 'b1310130122d16ff' + 'c10065c201012cc10601c10755';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function rig() {
  const securityStore = new InMemorySecurityStore([]);
  const configStore = new InMemoryBootstrapConfigStore({ securityStore });
  // The configuration of the captured run: a NoSec server account (so the payload is free of keys).
  await configStore.set({
    endpoint: 'anjay-vec',
    toDelete: ['/0', '/1'],
    security: [
      { instanceId: 0, serverUri: 'coap://127.0.0.1:25783', bootstrapServer: true, securityMode: 3, pskIdentity: '', pskKey: new Uint8Array(0) },
      { instanceId: 1, serverUri: 'coap://127.0.0.1:9', bootstrapServer: false, securityMode: 3, pskIdentity: '', pskKey: new Uint8Array(0), shortServerId: 101 },
    ],
    servers: [{ instanceId: 0, shortServerId: 101, lifetime: 300, binding: 'U' }],
  });
  const manager = new BootstrapSessionManager({ securityStore, configStore, policy: { stepTimeoutMs: 5000 } });
  const link = memoryLink({});
  const coap = new CoapEndpoint({ transport: link.server });
  coap.setHandler(manager.handlerFor(coap));
  const inbox: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  link.device.onDatagram((d: InboundDatagram) => {
    inbox.push(d.data);
    wake?.();
  });
  const next = async (): Promise<Uint8Array> => {
    while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
    return inbox.shift() as Uint8Array;
  };
  const send = (bytes: Uint8Array): Promise<void> => link.device.send(link.server.address(), bytes);
  /** Anjay's piggybacked answer to `req`: ACK, `code`, the request's message id and token, then `tail`. */
  const answer = (req: Uint8Array, code: number, tail = ''): Promise<void> => {
    const tkl = (req[0] as number) & 0x0f;
    return send(Uint8Array.from([0x60 | tkl, code, ...req.subarray(2, 4 + tkl), ...hex(tail)]));
  };
  /** The request's bytes after its message id and token. */
  const after = (req: Uint8Array): string => toHex(req.subarray(4 + ((req[0] as number) & 0x0f)));
  closers.push(async () => {
    await manager.close();
    await coap.close();
  });
  return { manager, send, next, answer, after };
}

describe("Anjay 3.14.0's bootstrap, replayed byte for byte", () => {
  it('Bootstrap-Pack-Request gets 4.04 (not offered), then POST /bs?pct=112 is served to the end in SenML-CBOR, the bootstrap account at /0/1 kept', async () => {
    const { manager, send, next, answer, after } = await rig();
    const events: string[] = [];
    for (const e of ['started', 'rejected', 'finished', 'failed'] as const) {
      manager.events.on(e, (p: BootstrapEventMap[typeof e]) => events.push(`${e}${'reason' in p ? ` ${p.reason}` : ''}${'pct' in p ? ` pct=${p.pct.join(',')}` : ''}`));
    }

    await send(hex(ANJAY_BSPACK));
    expect(toHex(await next())).toBe('68842dac57b48eef2c8d199e'); // ACK 4.04, same message id and token
    await send(hex(ANJAY_BS_REQUEST));
    expect(toHex(await next())).toBe('68442dad31ccdd88bdb6d697'); // ACK 2.04

    const discover = await next();
    expect([discover[0], discover[1], after(discover)]).toEqual([0x44, 0x01, SERVER_DISCOVER]); // CON GET (root), Accept 40
    await answer(discover, 0x45, ANJAY_DISCOVER_ANSWER_TAIL);

    const del0 = await next();
    expect([del0[1], after(del0)]).toEqual([0x04, SERVER_DELETE_0]);
    await answer(del0, 0x42);
    const del1 = await next();
    expect([del1[1], after(del1)]).toEqual([0x04, SERVER_DELETE_1]);
    await answer(del1, 0x42);

    // The server account goes to /0/0 (Anjay's bootstrap account is /0/1), SenML-CBOR as Anjay asked.
    const sec = await next();
    expect([sec[1], after(sec)]).toEqual([0x03, SERVER_WRITE_SECURITY_0]);
    await answer(sec, 0x44);
    const srv = await next();
    expect([srv[1], after(srv)]).toEqual([0x03, SERVER_WRITE_SERVER_0]);
    await answer(srv, 0x44);

    const finishing = manager.events.once('finished');
    const fin = await next();
    expect([fin[1], after(fin)]).toEqual([0x02, SERVER_FINISH]);
    await answer(fin, 0x44);
    expect((await finishing).endpoint).toBe('anjay-vec');
    expect(events).toEqual(['rejected not-found', 'started pct=112', 'finished']);
  });

  it('Anjay as an LwM2M 1.0 client (-V 1.0): Discover /0 answered in the 1.0 form, then TLV, its bootstrap account at /0/1 kept', async () => {
    const { manager, send, next, answer, after } = await rig();
    await send(hex(ANJAY10_BS_REQUEST));
    expect(toHex(await next())).toBe('68440b3baf1d46b944200991');
    const discover = await next();
    expect([discover[1], after(discover)]).toEqual([0x01, SERVER_DISCOVER_0]);
    await answer(discover, 0x45, ANJAY10_DISCOVER_ANSWER_TAIL);
    for (const expected of [SERVER_DELETE_0, SERVER_DELETE_1]) {
      const del = await next();
      expect(after(del)).toBe(expected);
      await answer(del, 0x42);
    }
    for (const expected of [SERVER_WRITE_SECURITY_0_TLV, SERVER_WRITE_SERVER_0_TLV]) {
      const w = await next();
      expect([w[1], after(w)]).toEqual([0x03, expected]);
      await answer(w, 0x44);
    }
    const finishing = manager.events.once('finished');
    const fin = await next();
    expect(after(fin)).toBe(SERVER_FINISH);
    await answer(fin, 0x44);
    expect((await finishing).endpoint).toBe('anjay-vec');
  });
});
