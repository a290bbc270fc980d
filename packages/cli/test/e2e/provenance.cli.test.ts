/**
 * Provenance through the CLI, in child processes, against a dev chain the test runs itself (so
 * `up` can be killed with SIGKILL while the chain stays): records made through the REST API are
 * anchored; a receipt verifies with `chainm2m verify` with the server stopped and fails when one
 * byte of its record, proof, root or signature changes; a record acknowledged just before kill -9
 * is in the log and anchored after the restart; `verify --log` passes, and names the record whose
 * segment byte changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevChain, type DevChain } from '@chainm2m/chain-adapter';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort, MAIN } from './cliProcess.js';

const ADMIN_PASSWORD = 'prov-cli-admin-pw';
const root = mkdtempSync(join(tmpdir(), 'chainm2m-prov-cli-'));
const dataDir = join(root, 'data');
const running = new Set<ChildProcess>();
let chain: DevChain | undefined;


let env: NodeJS.ProcessEnv = {};
const ports = { bs: 0, coap: 0, api: 0 };

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code ?? -1);
    }),
  );
  return { child, output: () => out, exited };
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const p = start(args);
  p.child.stdin?.end('');
  const code = await p.exited;
  return { code, out: p.output() };
}

async function api(method: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${ports.api}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.text() };
}

async function up(): Promise<ReturnType<typeof start>> {
  const u = start(['up', '--bs-port', String(ports.bs), '--coap-port', String(ports.coap), '--api-port', String(ports.api)]);
  await vi.waitFor(() => expect(u.output()).toContain('ready'), { timeout: 60_000, interval: 100 });
  return u;
}

async function login(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${ports.api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  return ((await res.json()) as { token: string }).token;
}

afterAll(async () => {
  for (const c of running) c.kill('SIGKILL');
  await chain?.kill();
  rmSync(root, { recursive: true, force: true });
});

const flipHex = (s: string, at: number): string => s.slice(0, at) + (s[at] === 'a' ? 'b' : 'a') + s.slice(at + 1);

describe('chainm2m verify / provenance', () => {
  it('receipts verify with the server stopped; tampering fails; kill -9 loses no acknowledged record; verify --log finds the changed byte', async () => {
    chain = await startDevChain({ dataDir: join(root, 'chain') });
    ports.bs = await freePort();
    ports.coap = await freePort();
    ports.api = await freePort();
    env = {
      ...process.env,
      CHAINM2M_DATA_DIR: dataDir,
      CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CHAIN_RPC_URL: chain.rpcUrl,
      CHAINM2M_SIGNER_KEY: chain.privateKeys[0],
      CHAINM2M_PROVENANCE_BATCH: '2',
      CHAINM2M_PROVENANCE_INTERVAL_MS: '300',
    };
    const first = await up();
    expect(first.output()).toMatch(/server key .* published in AuditAnchor/);
    let token = await login();
    const begin = await api('POST', '/api/provenance/transactions', token);
    expect(begin.status).toBe(201);
    const tx = (JSON.parse(begin.body) as { tx: string }).tx;
    expect((await api('POST', `/api/provenance/transactions/${tx}/end`, token)).status).toBe(200);
    let receipt = '';
    await vi.waitFor(
      async () => {
        const r = await api('GET', '/api/provenance/records/1/receipt', token);
        expect(r.status).toBe(200);
        receipt = r.body;
      },
      { timeout: 20_000, interval: 100 },
    );
    // a record acknowledged just before kill -9
    const last = await api('POST', '/api/provenance/transactions', token);
    expect(last.status).toBe(201);
    const lastSeq = (JSON.parse(last.body) as { seq: number }).seq;
    first.child.kill('SIGKILL');
    await first.exited;

    // the server is stopped: the receipt verifies against the chain alone
    const file = join(root, 'receipt.json');
    writeFileSync(file, receipt);
    const ok = await cli(['verify', file, '--rpc', chain.rpcUrl]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/\bvalid\b/);
    const r = JSON.parse(receipt) as { record: { path: string | null; operation: string; signature: string }; proof: string[]; batch: { root: string } };
    const variants: [string, unknown][] = [
      ['record', { ...r, record: { ...r.record, operation: `${r.record.operation.slice(0, -1)}X` } }],
      ['proof', { ...r, proof: [flipHex(r.proof[0] as string, 10), ...r.proof.slice(1)] }],
      ['root', { ...r, batch: { ...r.batch, root: flipHex(r.batch.root, 10) } }],
      ['signature', { ...r, record: { ...r.record, signature: `${r.record.signature.slice(0, 5)}${r.record.signature[5] === 'A' ? 'B' : 'A'}${r.record.signature.slice(6)}` } }],
    ];
    for (const [what, v] of variants) {
      writeFileSync(file, JSON.stringify(v));
      const bad = await cli(['verify', file, '--rpc', chain.rpcUrl]);
      expect(bad.code, `${what}: ${bad.out}`).toBe(1);
      expect(bad.out).toContain('INVALID');
    }

    // restart: the record acknowledged before kill -9 is there and gets anchored
    const second = await up();
    token = await login();
    await vi.waitFor(async () => expect((await api('GET', `/api/provenance/records/${lastSeq}/receipt`, token)).status).toBe(200), { timeout: 20_000, interval: 100 });
    const shown = await cli(['provenance', 'tx', tx]);
    expect(shown.code, shown.out).toBe(0);
    expect(shown.out).toMatch(/transaction\.begin[\s\S]*transaction\.end/);
    const receiptCmd = await cli(['provenance', 'receipt', String(lastSeq)]);
    expect(receiptCmd.code, receiptCmd.out).toBe(0);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);

    const log = await cli(['verify', '--log', '--rpc', chain.rpcUrl]);
    expect(log.code, log.out).toBe(0);
    expect(log.out).toMatch(/valid: \d+ records/);
    // one byte of the segment changes (inside record 2's answer-less line: its operation name)
    const seg = join(dataDir, 'provenance', 'segment-0000000000000001.log');
    const text = readFileSync(seg, 'utf8');
    const lines = text.split('\n');
    lines[1] = (lines[1] as string).replace('"operation":"transaction.end"', '"operation":"transaction.enD"');
    writeFileSync(seg, lines.join('\n'));
    const broken = await cli(['verify', '--log', '--rpc', chain.rpcUrl]);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('INVALID at record 2');
  }, 300_000);
});
