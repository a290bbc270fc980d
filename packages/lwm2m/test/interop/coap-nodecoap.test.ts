/**
 * Interop of the CoAP endpoint with node-coap 1.5 (both directions) and coap-cli 0.7, over real
 * UDP sockets on 127.0.0.1 with ephemeral ports.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import coap from 'coap';
import { CoapEndpoint, type CoapRequest, type ObserveCancelReason, type ObserveRegistration } from '../../src/index.js';
import { UdpTestTransport } from '../../src/coap/testing/UdpTestTransport.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (u: Uint8Array): string => new TextDecoder().decode(u);
const bytesOf = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => 0x41 + (i % 26));

function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
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

describe('node-coap client -> our server', () => {
  let server: CoapEndpoint;
  let port: number;
  let agent: InstanceType<typeof coap.Agent>;
  let agentSocket: Socket;
  const seen: CoapRequest[] = [];
  let reg: ObserveRegistration | undefined;
  const cancels: ObserveCancelReason[] = [];
  const big = bytesOf(3000);

  beforeAll(async () => {
    const t = await UdpTestTransport.bind();
    port = t.address().port;
    server = new CoapEndpoint({
      transport: t,
      handler: async (req, ctx) => {
        seen.push(req);
        const p = req.path.join('/');
        if (p === 'big') return { code: '2.05', contentFormat: 0, payload: big };
        if (p === 'obs' && ctx.observe) {
          reg = ctx.observe;
          ctx.observe.accept();
          ctx.observe.onCancel((why) => cancels.push(why));
          return { code: '2.05', payload: text('n0') };
        }
        if (req.method === 'POST') return { code: '2.01', locationPath: ['rd', 'x1'], payload: text(`len=${req.payload.length}`) };
        return { code: '2.05', contentFormat: 0, payload: text(`hello ${req.query.join('&')}`) };
      },
    });
    // An agent on our own socket: node-coap then keeps the socket open between requests (it would
    // otherwise close it when the last request ends and could not RST a cancelled observation).
    agentSocket = createSocket('udp4');
    await new Promise<void>((r) => agentSocket.bind(0, '127.0.0.1', () => r()));
    agent = new coap.Agent({ type: 'udp4', socket: agentSocket });
  });

  afterAll(async () => {
    agent.close();
    agentSocket.close();
    await server.close();
  });

  function nodeRequest(params: Parameters<typeof coap.request>[0] & object, payload?: Uint8Array, block1Szx?: number) {
    return new Promise<InstanceType<typeof coap.IncomingMessage>>((resolve, reject) => {
      const req = coap.request({ hostname: '127.0.0.1', port, agent, ...params });
      if (block1Szx !== undefined) req.setOption('Block1', Buffer.from([block1Szx]));
      req.on('response', resolve);
      req.on('error', reject);
      req.end(payload ? Buffer.from(payload) : undefined);
    });
  }

  it('GET with query: piggybacked 2.05', async () => {
    const res = await nodeRequest({ pathname: '/3/0/0', query: 'ep=dev1&b=U', method: 'GET' });
    expect(res.code).toBe('2.05');
    expect(res.payload.toString()).toBe('hello ep=dev1&b=U');
    expect(seen.at(-1)?.path).toEqual(['3', '0', '0']);
  });

  it('NON GET gets a NON response', async () => {
    const res = await nodeRequest({ pathname: '/3/0/1', method: 'GET', confirmable: false });
    expect(res.code).toBe('2.05');
    expect(seen.at(-1)?.confirmable).toBe(false);
  });

  it('POST with Block1 (64-byte blocks) is reassembled; Location-Path comes back', async () => {
    const res = await nodeRequest({ pathname: '/rd', method: 'POST' }, bytesOf(700), 2);
    expect(res.code).toBe('2.01');
    expect(res.payload.toString()).toBe('len=700');
    expect(str(seen.at(-1)!.payload)).toBe(str(bytesOf(700)));
  });

  it('GET of a 3000-byte resource: node-coap reassembles our Block2', async () => {
    const res = await nodeRequest({ pathname: '/big', method: 'GET' });
    expect(res.code).toBe('2.05');
    expect(res.payload.length).toBe(3000);
    expect(Buffer.from(res.payload).equals(Buffer.from(big))).toBe(true);
  });

  it('observe: notifications reach node-coap; closing it ends the observation here', async () => {
    const res = (await nodeRequest({ pathname: '/obs', method: 'GET', observe: true })) as InstanceType<typeof coap.ObserveReadStream>;
    const got: string[] = [];
    res.on('data', (chunk: Buffer) => got.push(chunk.toString()));
    await waitFor(() => reg?.active === true && got.length >= 1);
    for (const v of ['n1', 'n2', 'n3']) await reg!.notify({ code: '2.05', payload: text(v) });
    await waitFor(() => got.length >= 4);
    expect(got).toEqual(['n0', 'n1', 'n2', 'n3']);
    res.close(); // node-coap forgets the token: it answers our next notification with RST
    await reg!.notify({ code: '2.05', payload: text('n4') });
    await waitFor(() => cancels.length > 0);
    expect(cancels).toEqual(['reset']);
    expect(reg!.active).toBe(false);
    expect(server.stats().serverObservations).toBe(0);
  });
});

describe('our client -> node-coap server', () => {
  let server: InstanceType<typeof coap.Server>;
  let port: number;
  let client: CoapEndpoint;
  const received: { url: string; method: string; payload: Buffer }[] = [];
  const big = bytesOf(2500);
  let stopObserve = false;

  beforeAll(async () => {
    server = coap.createServer({ type: 'udp4' }, (req, res) => {
      received.push({ url: req.url, method: req.method, payload: req.payload });
      if (req.url.startsWith('/big')) {
        res.setOption('Content-Format', 'application/octet-stream');
        res.end(Buffer.from(big));
        return;
      }
      if (req.url.startsWith('/obs') && req.headers.Observe === 0) {
        let i = 0;
        res.write(`o${i++}`);
        const timer = setInterval(() => {
          if (stopObserve || i > 3) {
            clearInterval(timer);
            res.end();
            return;
          }
          res.write(`o${i++}`);
        }, 30);
        res.on('finish', () => clearInterval(timer));
        return;
      }
      res.code = req.method === 'POST' ? '2.04' : '2.05';
      res.end(`got ${req.method} ${req.url} ${req.payload.length}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const sock = server._sock as { address(): { port: number } };
    port = sock.address().port;
    client = new CoapEndpoint({ transport: await UdpTestTransport.bind(), blockSize: 256 });
  });

  afterAll(async () => {
    stopObserve = true;
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const peer = (): { address: string; port: number } => ({ address: '127.0.0.1', port });

  it('GET', async () => {
    const res = await client.request(peer(), { method: 'GET', path: '/a/b?x=1' });
    expect(res.code).toBe('2.05');
    expect(str(res.payload)).toBe('got GET /a/b?x=1 0');
  });

  it('NON GET', async () => {
    const res = await client.request(peer(), { method: 'GET', path: '/n', confirmable: false });
    expect(res.code).toBe('2.05');
    expect(str(res.payload)).toBe('got GET /n 0');
  });

  it('POST of 1500 bytes goes block-wise (Block1) and node-coap reassembles it', async () => {
    const res = await client.request(peer(), { method: 'POST', path: '/up', payload: bytesOf(1500) });
    expect(res.code).toBe('2.04');
    expect(str(res.payload)).toBe('got POST /up 1500');
    expect(received.at(-1)?.payload.length).toBe(1500);
  });

  it('GET of 2500 bytes: node-coap answers block-wise, we reassemble', async () => {
    const res = await client.request(peer(), { method: 'GET', path: '/big' });
    expect(res.code).toBe('2.05');
    expect(Buffer.from(res.payload).equals(Buffer.from(big))).toBe(true);
  });

  it('observe: ordered notifications from node-coap, then passive cancel', async () => {
    const got: string[] = [];
    const obs = await client.observe(peer(), { method: 'GET', path: '/obs' }, (n) => got.push(str(n.payload)));
    expect(obs.active).toBe(true);
    expect(str(obs.response.payload)).toBe('o0');
    await waitFor(() => got.length >= 3);
    expect(got.slice(0, 3)).toEqual(['o1', 'o2', 'o3']);
    await obs.cancel();
    expect(client.stats().clientObservations).toBe(0);
  });
});

describe('coap-cli 0.7 -> our server', () => {
  const require = createRequire(import.meta.url);
  const cliPath = require.resolve('coap-cli/index.js');
  let server: CoapEndpoint;
  let port: number;
  let reg: ObserveRegistration | undefined;
  const children: ReturnType<typeof spawn>[] = [];

  beforeAll(async () => {
    const t = await UdpTestTransport.bind();
    port = t.address().port;
    server = new CoapEndpoint({
      transport: t,
      handler: async (req, ctx) => {
        if (req.path[0] === 'big') return { code: '2.05', payload: bytesOf(300) };
        if (req.path[0] === 'obs' && ctx.observe) {
          reg = ctx.observe;
          ctx.observe.accept();
          return { code: '2.05', payload: text('c0') };
        }
        return { code: req.method === 'PUT' ? '2.04' : '2.05', payload: text(`${req.method}:${str(req.payload)}`) };
      },
    });
  });

  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });

  afterAll(async () => {
    await server.close();
  });

  function cli(args: string[], untilOutput?: (out: string) => boolean): Promise<{ out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let err = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`coap-cli timed out: ${out} ${err}`));
      }, 15_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (untilOutput?.(out)) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve({ out, err });
        }
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', () => {
        clearTimeout(timer);
        resolve({ out, err });
      });
    });
  }

  it('get', async () => {
    const r = await cli(['get', `coap://127.0.0.1:${port}/3/0`]);
    expect(r.out.trim()).toBe('GET:');
    expect(r.err).toContain('2.05');
  });

  it('put with payload', async () => {
    const r = await cli(['put', '-p', 'on', `coap://127.0.0.1:${port}/3311/0/5850`]);
    expect(r.out.trim()).toBe('PUT:on');
    expect(r.err).toContain('2.04');
  });

  it('get with -b 2 (64-byte Block2, early negotiation)', async () => {
    const r = await cli(['get', '-b', '2', `coap://127.0.0.1:${port}/big`]);
    expect(r.out.replace(/\n/g, '')).toBe(str(bytesOf(300)));
  });

  it('observe with -o', async () => {
    const pending = cli(['get', '-o', `coap://127.0.0.1:${port}/obs`], (out) => out.includes('c2'));
    await waitFor(() => reg?.active === true);
    await reg!.notify({ code: '2.05', payload: text('c1') });
    await reg!.notify({ code: '2.05', payload: text('c2') });
    const r = await pending;
    expect(r.out.split('\n').filter((l) => l !== '')).toEqual(['c0', 'c1', 'c2']);
  });
});
