/**
 * Drives the `chainm2m` CLI as a user would, in child processes: `up` in the background,
 * `endpoints add`, `sim --devices 20`, REST login and reads, `anomalies add` and `list`, `status`,
 * stop, `up` again, and the data is still there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort } from './cliProcess.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/main.ts');
const ADMIN_PASSWORD = 'cli-e2e-admin-pw';
const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-cli-e2e-'));
const running = new Set<ChildProcess>();

const ports = { bs: 0, coap: 0, api: 0, chain: 0 };
const env = { ...process.env, CHAINM2M_DATA_DIR: dataDir, CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD };

function portArgs(): string[] {
  return ['--bs-port', String(ports.bs), '--coap-port', String(ports.coap), '--api-port', String(ports.api), '--chain-port', String(ports.chain)];
}

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => {
    running.delete(child);
    resolve(code ?? -1);
  }));
  return { child, output: () => out, exited };
}

async function cli(args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  const p = start(args);
  p.child.stdin?.end(stdin ?? '');
  const code = await p.exited;
  return { code, out: p.output() };
}

async function waitFor(output: () => string, text: string | RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(typeof text === 'string' ? output().includes(text) : text.test(output()))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${ports.api}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.text() };
}

afterAll(async () => {
  for (const c of running) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('chainm2m CLI, end to end', () => {
  it('up, endpoints add, sim, REST, anomalies, status, stop, up again with everything kept', async () => {
    ports.bs = await freePort();
    ports.coap = await freePort();
    ports.api = await freePort();
    ports.chain = await freePort();

    const up = start(['up', ...portArgs()]);
    await waitFor(up.output, 'ready', 60_000);
    expect(up.output()).toContain('admin user     created with the password from CHAINM2M_ADMIN_PASSWORD');

    const added = await cli(['endpoints', 'add', 'cli-dev-1', '--psk-text', 'secretKey123']);
    expect(added.code).toBe(0);
    expect(added.out).toContain(Buffer.from('secretKey123').toString('hex'));
    const dup = await cli(['endpoints', 'add', 'cli-dev-1']);
    expect(dup.code).toBe(1);

    const sim = start(['sim', '--devices', '20', '--provision', '--keep', '--bs-port', String(ports.bs)]);
    await waitFor(sim.output, /20 devices: 20 bootstrapped, 20 registered, 0 failed/, 60_000);

    const login = await api('POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    const token = JSON.parse(login.body).token as string;
    const clients = JSON.parse((await api('GET', '/api/clients?limit=100', token)).body);
    expect(clients.total).toBe(20);
    const temp = await api('GET', '/api/clients/sim-7/3303/0/5700', token);
    expect(temp.status).toBe(200);
    expect(JSON.parse(temp.body).content).toMatchObject({ id: 5700, type: 'float' });
    const model = JSON.parse((await api('GET', '/api/clients/sim-7/3/0/1', token)).body);
    expect(model.content).toMatchObject({ id: 1, type: 'string' });

    // An anomaly the CLI (another process) writes reaches the API's event stream via the chain's events.
    const sse = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${ports.api}/api/events?types=anomaly`, { headers: { authorization: `Bearer ${token}` }, signal: sse.signal });
    let streamed = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream.body as AsyncIterable<Uint8Array>) streamed += decoder.decode(chunk);
    })().catch(() => undefined);
    expect((await cli(['anomalies', 'add', 'cli-dev-1', '--kind', 'tamper-switch', '--severity', '5', '--value', 'lid opened'])).code).toBe(0);
    const listed = JSON.parse((await cli(['anomalies', 'list', '--endpoint', 'cli-dev-1', '--json'])).out);
    expect(listed.items).toEqual([expect.objectContaining({ endpoint: 'cli-dev-1', kind: 'tamper-switch', severity: 5, value: 'lid opened' })]);
    await waitFor(() => streamed, /event: anomaly\ndata: .*"endpoint":"cli-dev-1".*"value":"lid opened"/, 10_000);
    sse.abort();
    await reading;
    const recent = await cli(['anomalies', 'list', '--since', '1h', '--json']);
    expect(recent.code).toBe(0);
    expect(JSON.parse(recent.out).items).toEqual([expect.objectContaining({ kind: 'tamper-switch' })]);
    const fromApi = await api('GET', `/api/anomalies?from=${Math.floor(Date.now() / 1000) - 3600}`, token);
    expect(fromApi.status).toBe(200);
    expect(JSON.parse(fromApi.body).items).toEqual([expect.objectContaining({ kind: 'tamper-switch' })]);

    const status = await cli(['status', '--json']);
    expect(status.code).toBe(0);
    const st = JSON.parse(status.out);
    expect(st).toMatchObject({
      chain: { rpcUrl: `http://127.0.0.1:${ports.chain}`, reachable: true },
      counts: { endpoints: 21, users: 1, anomalies: 1 },
      ports: { bootstrap: ports.bs, coaps: ports.coap, api: ports.api, chain: ports.chain },
      listening: { bootstrap: true, coaps: true, api: true },
    });
    expect(Object.keys(st.contracts)).toEqual(['ClientStore', 'UserStore', 'AnomalyStore', 'TrustStore', 'AuditAnchor']);

    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.output()).toContain('stopped');

    const down = await cli(['endpoints', 'list']);
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/cannot reach the chain/);
    // With the chain down, `anomalies add` keeps the record in the outbox and says so; the next `up` sends it.
    const offline = await cli(['anomalies', 'add', 'cli-dev-1', '--kind', 'battery-low', '--severity', '9']);
    expect(offline.code).toBe(0);
    expect(offline.out).toMatch(/unreachable.*kept in the outbox/);

    const again = start(['up', ...portArgs()]);
    await waitFor(again.output, 'ready', 60_000);
    expect(again.output()).toContain('contracts      reused');
    expect(again.output()).not.toContain('admin user     created');
    const endpoints = JSON.parse((await cli(['endpoints', 'list', '--json', '--limit', '100'])).out);
    expect(endpoints.total).toBe(21);
    expect(endpoints.items.map((e: { endpoint: string }) => e.endpoint)).toContain('cli-dev-1');
    await vi.waitFor(async () => {
      const anomalies = JSON.parse((await cli(['anomalies', 'list', '--json'])).out);
      expect(anomalies.items).toEqual([expect.objectContaining({ kind: 'tamper-switch' }), expect.objectContaining({ kind: 'battery-low', severity: 9 })]);
    }, { timeout: 20_000, interval: 500 });
    const users = JSON.parse((await cli(['users', 'list', '--json'])).out);
    expect(users.items.map((u: { username: string }) => u.username)).toEqual(['admin']);
    const relogin = await api('POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
    expect(relogin.status).toBe(200);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 240_000);
});
