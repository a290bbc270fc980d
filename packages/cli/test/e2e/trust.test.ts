/**
 * Trust end to end on a dev chain (issue 13 acceptance): two simulated devices; one suffers
 * wrong-key handshakes and misses its updates; after a (short) window its score is below the
 * healthy one's, both are on chain, and `chainm2m trust show <ep> --verify` recomputes the API's
 * score exactly from the chain alone. A device re-registering with another object list gets a new
 * interface record and a re-evaluation flag; the probe submits an evaluation for it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimDevice } from '@chainm2m/client-sim';
import { allCommands } from '../../src/commands/index.js';
import { loadConfig } from '../../src/config.js';
import { run } from '../../src/run.js';
import { openManagement } from '../../src/stack/chain.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { memoryIo } from '../../src/testing.js';

const ADMIN_PASSWORD = 'e2e-trust-admin-password';
const WINDOW = 3;
let stack: Stack;
let dataDir: string;
let base: string;
const devices: SimDevice[] = [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are checked field by field
type Json = any;

async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const io = memoryIo({ env: { CHAINM2M_API_PASSWORD: ADMIN_PASSWORD } });
  const code = await run([...argv, '--data-dir', dataDir, '--api', base], io, { commands: allCommands, openManagement });
  return { code, out: io.out() + io.err() };
}

function device(endpoint: string, identity: string, key: Uint8Array, opts: { lifetime?: number; autoUpdate?: boolean; requestTimeoutMs?: number } = {}): SimDevice {
  const d = new SimDevice({ endpoint, autoUpdate: opts.autoUpdate ?? true, requestTimeoutMs: opts.requestTimeoutMs ?? 10_000 });
  d.configureServer({ uri: `coaps://127.0.0.1:${stack.ports.coaps}`, identity, key, lifetime: opts.lifetime ?? 300 });
  devices.push(d);
  return d;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-trust-e2e-'));
  const config = loadConfig({ 'data-dir': dataDir, 'bs-port': '0', 'coap-port': '0', 'api-port': '0', 'chain-port': '0' }, {});
  stack = await startStack({ config, env: { CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD }, log: () => undefined, trustWindowSeconds: WINDOW });
  base = `http://127.0.0.1:${stack.ports.api}`;
}, 120_000);

afterAll(async () => {
  for (const d of devices) await d.stop().catch(() => undefined);
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('trust on a dev chain', () => {
  it('scores a device with wrong-key handshakes and missed updates below a healthy one; trust show --verify recomputes it from the chain', async () => {
    const trust = stack.trust;
    if (!trust) throw new Error('no trust service');
    const good = await stack.endpoints.create({ endpoint: 'trust-good' });
    const bad = await stack.endpoints.create({ endpoint: 'trust-bad', lifetime: 2 });
    const healthy = device('trust-good', good.identity, Buffer.from(good.pskHex, 'hex'));
    await healthy.register();
    await healthy.update();
    await healthy.update();
    // someone with trust-bad's identity but not its key
    for (let i = 0; i < 2; i++) {
      const impostor = device('trust-bad', bad.identity, randomBytes(16), { requestTimeoutMs: 3_000 });
      await expect(impostor.register()).rejects.toThrow();
      await impostor.stop();
    }
    // the real trust-bad registers with a 2 s lifetime and never updates
    const flaky = device('trust-bad', bad.identity, Buffer.from(bad.pskHex, 'hex'), { lifetime: 2, autoUpdate: false });
    await flaky.register();
    await vi.waitFor(
      () => {
        const v = trust.service.get('trust-bad');
        const totals = trust.service.cache.recentEvaluations('trust-bad');
        expect(totals.length).toBeGreaterThan(0);
        expect(v?.score ?? 1).toBeLessThan(0);
        expect(trust.service.cache.get('trust-good')?.score).toBe(1_000_000);
      },
      { timeout: 40_000, interval: 250 },
    );
    await vi.waitFor(async () => {
      const view = await trust.service.view('trust-bad');
      expect(view.evidence.total).toMatchObject({ handshakeFailed: 2, lifetimeExpired: 1 });
      expect(Object.values(view.evidence.window).every((n) => n === 0)).toBe(true); // everything written
    }, { timeout: 20_000, interval: 250 });

    // both on chain, read back from TrustStore's events
    const onChain = await trust.ledger.readEvaluations();
    expect(onChain.filter((e) => e.subject === 'trust-bad').length).toBeGreaterThan(0);
    expect(onChain.filter((e) => e.subject === 'trust-good').length).toBeGreaterThan(0);

    const admin = (await api('POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD })).json.token as string;
    const viewBad = (await api('GET', '/api/trust/trust-bad?verify=true', admin)).json;
    const viewGood = (await api('GET', '/api/trust/trust-good', admin)).json;
    expect(viewBad.score).toBeLessThan(viewGood.score);
    expect(viewBad.verification.matches).toBe(true);
    expect(viewBad.recent[0].txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const low = (await api('GET', '/api/trust?below=0.2', admin)).json;
    expect(low.items.map((i: Json) => i.subject)).toContain('trust-bad');

    const shown = await cli('trust', 'show', 'trust-bad', '--verify', '--json');
    expect(shown.code, shown.out).toBe(0);
    const out = JSON.parse(shown.out);
    expect(out.verification).toMatchObject({ matches: true, score: out.scoreFixed });
    expect(out.scoreFixed).toBeLessThan(0);
    const human = await cli('trust', 'show', 'trust-bad', '--verify');
    expect(human.out).toMatch(/verified: recomputed -?\d\.\d{6} from \d+ evaluation\(s\) on chain: matches the API/);
  }, 120_000);

  it('a device re-registering with another object list gets a new interface record and a re-evaluation flag; the probe submits an evaluation', async () => {
    const trust = stack.trust;
    if (!trust) throw new Error('no trust service');
    const keys = await stack.endpoints.create({ endpoint: 'trust-iface' });
    const d = device('trust-iface', keys.identity, Buffer.from(keys.pskHex, 'hex'));
    await d.register();
    await vi.waitFor(async () => expect((await trust.service.interfaceHistory('trust-iface')).length).toBe(1), { timeout: 15_000 });
    const first = (await trust.ledger.readInterfaceHistory('trust-iface'))[0];
    expect(first?.digest).toMatch(/^0x[0-9a-f]{64}$/);
    // another object list: a second temperature sensor instance, then a re-registration
    await d.stop();
    const again = device('trust-iface', keys.identity, Buffer.from(keys.pskHex, 'hex'));
    again.objects.createInstance(3303, 1);
    await again.register();
    await vi.waitFor(async () => expect(await trust.ledger.readInterfaceHistory('trust-iface')).toHaveLength(2), { timeout: 15_000 });
    expect(trust.service.pendingReevaluation()).toContain('trust-iface');
    const admin = (await api('POST', '/api/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD })).json.token as string;
    const view = (await api('GET', '/api/trust/trust-iface', admin)).json;
    expect(view.interfaces.map((r: Json) => r.index)).toEqual([0, 1]);
    expect(view.reevaluationPending).toBe(true);
    expect(view.objects).toContain(3303);

    const probe = await cli('trust', 'probe', 'trust-iface', '--json');
    const r = JSON.parse(probe.out);
    // the new /3303/1 instance lacks its mandatory Sensor Value: the one failed check (exit 1)
    expect(r.report.checks.filter((c: Json) => !c.ok)).toEqual([{ name: 'mandatory-present', path: '/3303/1/5700', ok: false, detail: 'missing' }]);
    expect(probe.code).toBe(1);
    const n = r.report.checks.length;
    expect(r.evaluation.scoreFixed).toBe(Math.round(((n - 2) / n) * 1_000_000));
    expect(r.report.checks.map((c: Json) => c.name)).toEqual(expect.arrayContaining(['registered', 'answer-in-time', 'mandatory-present', 'well-typed', 'observe']));
    expect(r.evaluation).toMatchObject({ subject: 'trust-iface', kind: 'Probe', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    const onChain = await trust.ledger.readEvaluations('trust-iface');
    expect(onChain.some((e) => e.kind === 1 && e.evaluator.startsWith('probe:'))).toBe(true);
    expect(trust.service.pendingReevaluation()).not.toContain('trust-iface');
  }, 90_000);
});
