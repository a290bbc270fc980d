/**
 * Interop of the CoAP endpoint with libcoap 4.3 (`coap-client-notls`, `coap-server-notls`) over
 * real UDP on 127.0.0.1. libcoap changes the token on every Block1 block: the server side must
 * reassemble by peer + URI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoapEndpoint, type CoapRequest, type ObserveCancelReason, type ObserveRegistration } from '../../src/index.js';
import { UdpTestTransport } from '../../src/coap/testing/UdpTestTransport.js';
import { CoapOption, decodeMessage, getOption, tokenHex, type CoapMessage } from '../../src/coap/CoapMessage.js';
import type { InboundDatagram } from '../../src/transport/DatagramTransport.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (u: Uint8Array): string => new TextDecoder().decode(u);
const letters = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('');

const children: ChildProcess[] = [];
function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, err, code });
    });
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > until) reject(new Error('condition not met in time'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('libcoap coap-client-notls -> our server', () => {
  let server: CoapEndpoint;
  let port: number;
  const inbound: CoapMessage[] = [];
  const requests: CoapRequest[] = [];
  let reg: ObserveRegistration | undefined;
  const cancels: ObserveCancelReason[] = [];

  beforeAll(async () => {
    const udp = await UdpTestTransport.bind();
    port = udp.address().port;
    // Record every inbound message on the way to the endpoint.
    const origOnDatagram = udp.onDatagram.bind(udp);
    udp.onDatagram = (h: (d: InboundDatagram) => void): void =>
      origOnDatagram((d) => {
        const m = decodeMessage(d.data);
        if ('type' in m) inbound.push(m);
        h(d);
      });
    server = new CoapEndpoint({
      transport: udp,
      handler: async (req, ctx) => {
        requests.push(req);
        if (req.path[0] === 'obs' && ctx.observe) {
          reg = ctx.observe;
          ctx.observe.accept();
          ctx.observe.onCancel((why) => cancels.push(why));
          return { code: '2.05', contentFormat: 0, payload: text('t0') };
        }
        if (req.path[0] === 'big') return { code: '2.05', contentFormat: 0, payload: text(letters(2000)) };
        return { code: req.method === 'POST' ? '2.04' : '2.05', contentFormat: 0, payload: text(`len=${req.payload.length}`) };
      },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('POST of 300 bytes with 64-byte Block1: libcoap changes the token per block, we reassemble', async () => {
    const payload = letters(300);
    const r = await run('coap-client-notls', ['-m', 'post', '-b', '64', '-B', '10', '-e', payload, `coap://127.0.0.1:${port}/bs?ep=dev1`]);
    expect(r.out.trim()).toBe('len=300');
    const last = requests.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.path).toEqual(['bs']);
    expect(last.query).toEqual(['ep=dev1']);
    expect(str(last.payload)).toBe(payload);
    const blocks = inbound.filter((m) => m.code === 2 && getOption(m, CoapOption.Block1) !== undefined);
    expect(blocks.length).toBe(5);
    expect(new Set(blocks.map((m) => tokenHex(m.token))).size).toBeGreaterThan(1);
  });

  it('GET of 2000 bytes: libcoap follows our Block2', async () => {
    const r = await run('coap-client-notls', ['-m', 'get', '-B', '10', `coap://127.0.0.1:${port}/big`]);
    expect(r.out.trim()).toBe(letters(2000));
  });

  it('observe with -s: notifications are printed, deregistration ends the observation', async () => {
    const pending = run('coap-client-notls', ['-s', '3', '-B', '10', '-w', `coap://127.0.0.1:${port}/obs`]);
    await waitFor(() => reg?.active === true);
    await reg!.notify({ code: '2.05', contentFormat: 0, payload: text('t1') });
    await reg!.notify({ code: '2.05', contentFormat: 0, payload: text('t2') });
    const r = await pending;
    expect(r.out.split('\n').filter((l) => l !== '')).toEqual(['t0', 't1', 't2']);
    // libcoap cancels at the end of -s: actively (GET Observe:1) or by RST on the next notification
    if (cancels.length === 0) await reg!.notify({ code: '2.05', payload: text('t3') });
    await waitFor(() => cancels.length > 0);
    expect(['deregistered', 'reset']).toContain(cancels[0]);
    expect(reg!.active).toBe(false);
  });
});

describe('our client -> libcoap coap-server-notls', () => {
  let port: number;
  let client: CoapEndpoint;
  let child: ChildProcess;
  const peer = (): { address: string; port: number } => ({ address: '127.0.0.1', port });

  beforeAll(async () => {
    // coap-server cannot report an ephemeral port: take one the OS just handed out.
    const probe = createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    child = spawn('coap-server-notls', ['-A', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    children.push(child);
    client = new CoapEndpoint({ transport: await UdpTestTransport.bind(), blockSize: 64 });
    for (let i = 0; i < 50; i++) {
      const ok = await client.request(peer(), { method: 'GET', path: '/.well-known/core', timeoutMs: 200 }).then(
        () => true,
        () => false,
      );
      if (ok) break;
    }
  });

  afterAll(async () => {
    await client.close();
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('GET /.well-known/core (link format, Block2 at 64 bytes)', async () => {
    const res = await client.request(peer(), { method: 'GET', path: '/.well-known/core' });
    expect(res.code).toBe('2.05');
    expect(res.contentFormat).toBe(40);
    expect(str(res.payload)).toContain('</time>');
    expect(res.payload.length).toBeGreaterThan(64);
  });

  it('CoAP ping is answered', async () => {
    const before = client.stats().timeouts; // the readiness poll may have timed out before the server was up
    await expect(client.ping(peer())).resolves.toBeGreaterThanOrEqual(0);
    expect(client.stats().timeouts).toBe(before);
  });

  it('PUT of 1000 bytes with Block1, then GET it back with Block2', async () => {
    const body = letters(1000);
    const put = await client.request(peer(), { method: 'PUT', path: '/example_data', contentFormat: 0, payload: text(body) });
    expect(['2.01', '2.04']).toContain(put.code);
    const get = await client.request(peer(), { method: 'GET', path: '/example_data' });
    expect(get.code).toBe('2.05');
    expect(str(get.payload)).toBe(body);
  });

  it('observe /time: notifications with increasing sequence numbers, then active cancel', async () => {
    const seqs: number[] = [];
    const obs = await client.observe(peer(), { method: 'GET', path: '/time' }, (n) => seqs.push(n.observe ?? -1));
    expect(obs.active).toBe(true);
    expect(obs.response.code).toBe('2.05');
    await waitFor(() => seqs.length >= 2, 8000);
    expect(seqs[1]! > seqs[0]!).toBe(true);
    await obs.cancel(true);
    expect(obs.active).toBe(false);
  });
});
