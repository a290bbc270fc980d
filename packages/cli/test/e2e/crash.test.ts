/**
 * Nothing acknowledged is lost. Writers of every kind (API anomalies, API user adds, CLI
 * `endpoints add`, a CLI `endpoints import`) log each acknowledgement (2xx / exit 0) while the
 * whole stack (`up` and its anvil, one process group) is killed with SIGKILL at random instants,
 * 5 times; after each restart every acknowledged write is there. Then anvil alone is killed under
 * load: writes during the outage answer 503 with Retry-After (or wait), the supervisor restarts it,
 * every acknowledged write is on chain and the anomaly outbox does not stall.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@chainm2m/lwm2m';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort, runCli, startCli, waitForOutput, type CliProcess } from './cliProcess.js';

const ADMIN_PASSWORD = 'crash-test-admin-pw';
const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-crash-'));
const env = { ...process.env, CHAINM2M_DATA_DIR: dataDir, CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD };
const ports = { bs: 0, coap: 0, api: 0, chain: 0 };
const live = new Set<CliProcess>();
const random = seededRandom(20261204);

afterAll(async () => {
  for (const p of live) {
    try {
      process.kill(-(p.child.pid as number), 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function portArgs(): string[] {
  return ['--bs-port', String(ports.bs), '--coap-port', String(ports.coap), '--api-port', String(ports.api), '--chain-port', String(ports.chain)];
}

async function up(): Promise<CliProcess> {
  // Its own process group: SIGKILL to the group takes `up` and anvil at the same instant.
  const p = startCli(['up', ...portArgs()], env, { detached: true });
  live.add(p);
  void p.exited.then(() => live.delete(p));
  let exitedEarly = false;
  void p.exited.then(() => (exitedEarly = true));
  await waitForOutput(() => (exitedEarly ? `${p.output()}\nEXITED` : p.output()), /^(ready |.*EXITED$)/m, 90_000);
  if (exitedEarly) throw new Error(`up exited during start:\n${p.output()}`);
  return p;
}

async function killStack(p: CliProcess): Promise<void> {
  process.kill(-(p.child.pid as number), 'SIGKILL');
  await p.exited;
}

async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: string; retryAfter: string | null }> {
  const res = await fetch(`http://127.0.0.1:${ports.api}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
}

/** Every acknowledged write, by kind. */
const acked = { anomalies: new Set<string>(), users: new Set<string>(), endpoints: new Set<string>() };
const total = (): number => acked.anomalies.size + acked.users.size + acked.endpoints.size;

async function missing(token: string): Promise<string[]> {
  const eps = JSON.parse((await api('GET', '/api/endpoints?limit=1000', token)).body) as { items: { endpoint: string }[] };
  const users = JSON.parse((await api('GET', '/api/users?limit=1000', token)).body) as { items: { username: string }[] };
  const anomalies = JSON.parse((await api('GET', '/api/anomalies?endpoint=crash-meter&limit=1000', token)).body) as { items: { value: string }[] };
  const have = new Set([...eps.items.map((e) => `ep:${e.endpoint}`), ...users.items.map((u) => `user:${u.username}`), ...anomalies.items.map((a) => `anomaly:${a.value}`)]);
  return [
    ...[...acked.endpoints].map((e) => `ep:${e}`),
    ...[...acked.users].map((u) => `user:${u}`),
    ...[...acked.anomalies].map((a) => `anomaly:${a}`),
  ].filter((k) => !have.has(k));
}

async function login(): Promise<string> {
  const r = await api('POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as { token: string }).token;
}

/** Starts every kind of writer; `stop()` ends them and waits. */
function writers(round: number, token: string): { stop(): Promise<void> } {
  let stopped = false;
  const loops: Promise<void>[] = [];
  const loop = (fn: (i: number) => Promise<void>): void => {
    loops.push(
      (async () => {
        for (let i = 0; !stopped; i++) {
          try {
            await fn(i);
          } catch {
            // the stack went away mid-request: not acknowledged
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })(),
    );
  };
  loop(async (i) => {
    const value = `r${round}-a${i}`;
    const r = await api('POST', '/api/anomalies', token, { endpoint: 'crash-meter', severity: 7, kind: 'temperature-out-of-range', value });
    if (r.status === 201 || r.status === 202) acked.anomalies.add(value);
  });
  loop(async (i) => {
    const username = `r${round}-u${i}`;
    const r = await api('POST', '/api/users', token, { username, role: 'user', password: `pw-${username}-long-enough` });
    if (r.status === 201) acked.users.add(username);
  });
  loop(async (i) => {
    const ep = `r${round}-cli${i}`;
    const r = await runCli(['endpoints', 'add', ep], env);
    if (r.code === 0) acked.endpoints.add(ep);
  });
  loop(async (i) => {
    if (i > 0) return void (await new Promise((r) => setTimeout(r, 200)));
    const file = join(dataDir, `import-${round}.csv`);
    const names = Array.from({ length: 40 }, (_, k) => `r${round}-imp${k}`);
    writeFileSync(file, `endpoint\n${names.join('\n')}\n`);
    const r = await runCli(['endpoints', 'import', file, '--keys-out', `${file}.keys`], env);
    if (r.code === 0) for (const n of names) acked.endpoints.add(n);
    else if (!stopped) console.log(`import of round ${round} not acknowledged (exit ${r.code}): ${r.out.slice(-400)}`);
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('durability under kill -9', () => {
  it('loses no acknowledged write when the whole stack is killed at random instants, 5 times', async () => {
    ports.bs = await freePort();
    ports.coap = await freePort();
    ports.api = await freePort();
    ports.chain = await freePort();
    let stack = await up();
    let token = await login();
    // Anomalies are refused (404) for an endpoint nobody registered: the meter the writers report on.
    expect((await api('POST', '/api/endpoints', token, { endpoint: 'crash-meter' })).status).toBe(201);

    // One stack per data dir: a second `up` is refused, naming the holder.
    const second = await runCli(['up', ...portArgs()], env);
    expect(second.code).toBe(1);
    expect(second.out).toMatch(new RegExp(`another 'chainm2m up' \\(pid ${stack.child.pid}`));

    for (let round = 1; round <= 5; round++) {
      const cliAcks = acked.endpoints.size;
      const w = writers(round, token);
      // A CLI command takes seconds to start on a busy machine: kill at a random instant once this
      // round's import and a first CLI add are acknowledged, while every writer is mid-flight.
      await vi.waitFor(() => expect(acked.endpoints.size).toBeGreaterThanOrEqual(cliAcks + 41), { timeout: 60_000, interval: 50 });
      await new Promise((r) => setTimeout(r, random.next() * 1_500));
      await killStack(stack);
      await w.stop();
      stack = await up();
      token = await login();
      // Outbox records (202) are sent right after the restart: wait for them, never more than that.
      await vi.waitFor(async () => expect(await missing(token)).toEqual([]), { timeout: 20_000, interval: 500 });
    }
    const lost = (await missing(token)).length;
    console.log(`acknowledged writes lost = ${lost} of ${total()} (${acked.endpoints.size} endpoints, ${acked.users.size} users, ${acked.anomalies.size} anomalies; 5 kill -9 of the whole stack)`);
    expect(lost).toBe(0);
    expect(acked.endpoints.size).toBeGreaterThanOrEqual(5 * 41);
    expect(acked.anomalies.size).toBeGreaterThan(10);

    // Anvil alone killed under load.
    const health = async (): Promise<{ ok: boolean; degraded: { component: string; since: string }[] }> => JSON.parse((await api('GET', '/health')).body);
    const runtime = (): { chainPid: number } => JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8'));
    const outage: { status: number; retryAfter: string | null }[] = [];
    const before = total();
    let stopped = false;
    const load = (async () => {
      for (let i = 0; !stopped; i++) {
        const value = `outage-a${i}`;
        try {
          const r = await api('POST', '/api/anomalies', token, { endpoint: 'crash-meter', severity: 9, kind: 'chain-outage', value });
          if (r.status === 201 || r.status === 202) acked.anomalies.add(value);
          else outage.push({ status: r.status, retryAfter: r.retryAfter });
          const u = await api('POST', '/api/users', token, { username: `outage-u${i}`, role: 'user', password: 'outage-user-password' });
          if (u.status === 201) acked.users.add(`outage-u${i}`);
          else outage.push({ status: u.status, retryAfter: u.retryAfter });
        } catch {
          outage.push({ status: 0, retryAfter: null });
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 800));
    const oldPid = runtime().chainPid;
    process.kill(oldPid, 'SIGKILL');
    await vi.waitFor(async () => expect((await health()).degraded.map((d) => d.component)).toContain('chain'), { timeout: 10_000, interval: 100 });
    await vi.waitFor(async () => expect(await health()).toMatchObject({ ok: true, degraded: [] }), { timeout: 30_000, interval: 200 });
    expect(runtime().chainPid).not.toBe(oldPid);
    await new Promise((r) => setTimeout(r, 800));
    stopped = true;
    await load;
    expect(stack.output()).toMatch(/dev chain +exited \(SIGKILL\); restarting on the same state/);
    expect(stack.output()).toMatch(/dev chain +restarted after \d+ ms/);
    // Refusals during the outage were 503 with Retry-After, nothing else.
    for (const o of outage) expect(o).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
    expect(total()).toBeGreaterThan(before);
    await vi.waitFor(async () => expect(await missing(token)).toEqual([]), { timeout: 20_000, interval: 500 });
    // No outbox stall: a new anomaly commits at once.
    const fresh = await api('POST', '/api/anomalies', token, { endpoint: 'crash-meter', severity: 1, kind: 'after-outage', value: 'after' });
    expect(fresh.status).toBe(201);
    console.log(`anvil killed under load: ${outage.length} write(s) refused with 503 + Retry-After during the outage, ${total() - before} acknowledged around it, none lost`);
    stack.child.kill('SIGINT');
    expect(await stack.exited).toBe(0);
  }, 600_000);
});
