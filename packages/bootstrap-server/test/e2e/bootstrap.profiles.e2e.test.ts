/**
 * Simulator profiles that behave like LwM2M clients found in the field (`RealClientProfiles` of
 * @chainm2m/client-sim), each bootstrapped over DTLS on loopback against the real bootstrap server:
 * each ends configured as its record says, or fails with a reason that names the step, the code and
 * the client's words, and is reported as an anomaly.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAnomalyLog, InMemorySecurityStore, type SecurityInfo } from '@chainm2m/lwm2m';
import { RealClientProfiles, SimDevice, type RealClientProfileName } from '@chainm2m/client-sim';
import { reportBootstrapAnomalies, startBootstrapServer, type BootstrapFailedEvent, type BootstrapServer, type BootstrapStepEvent } from '../../src/index.js';

const now = Math.floor(Date.UTC(2026, 11, 4, 18, 0, 0) / 1000);
function account(endpoint: string): SecurityInfo {
  const dmKey = randomBytes(16);
  // base64url of a generated key holds `-` or `_` about 3 times in 4: make it certain
  dmKey[0] = 0xfb;
  dmKey[1] = 0xff;
  return {
    endpoint,
    bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: `${endpoint}-bs`, key: randomBytes(16) },
    server: { serverUri: 'coaps://127.0.0.1:5684', identity: `${endpoint}-dm`, key: dmKey, shortServerId: 101, lifetime: 300, binding: 'U' },
    clearance: 1,
    registrar: 'profiles-e2e',
    createdAt: now,
    updatedAt: now,
  };
}

const names = Object.keys(RealClientProfiles) as RealClientProfileName[];
const infos = new Map(names.map((n) => [n, account(`field-${n}`)]));
let server: BootstrapServer;
const steps: BootstrapStepEvent[] = [];
const failures: BootstrapFailedEvent[] = [];
const anomalies = new InMemoryAnomalyLog();
let reporter: ReturnType<typeof reportBootstrapAnomalies>;
const sims: SimDevice[] = [];

beforeAll(async () => {
  server = await startBootstrapServer({ securityStore: new InMemorySecurityStore([...infos.values()]), host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: 10_000 } });
  server.events.on('step', (e) => steps.push(e));
  server.events.on('failed', (e) => failures.push(e));
  reporter = reportBootstrapAnomalies({ events: server.events, log: anomalies, unixNow: () => now });
});
afterAll(async () => {
  for (const s of sims) await s.stop().catch(() => undefined);
  reporter?.stop();
  await server?.close();
});

function sim(name: RealClientProfileName, bootstrapTimeoutMs = 10_000): { device: SimDevice; info: SecurityInfo } {
  const info = infos.get(name)!;
  const { description: _d, ...profile } = RealClientProfiles[name];
  const device = new SimDevice({
    endpoint: info.endpoint,
    bootstrap: { uri: `coaps://127.0.0.1:${server.address.port}`, identity: info.bootstrap.identity, key: info.bootstrap.key },
    bootstrapTimeoutMs,
    autoUpdate: false,
    ...profile,
  });
  sims.push(device);
  return { device, info };
}

const writesOf = (info: SecurityInfo): string[] =>
  steps.filter((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-write').map((s) => `${s.path} ${s.contentFormat}:${s.result}`);
const hex = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : `not bytes: ${String(v)}`);

/** The server account at `/0/<sec>` and `/1/<srv>`, the device's own bootstrap account untouched at `/0/<bs>`. */
function expectConfigured(device: SimDevice, info: SecurityInfo, at: { bs: number; sec: number; srv: number }): void {
  const t = device.objects;
  expect(t.instanceIds(0).sort()).toEqual([at.bs, at.sec].sort());
  expect(t.get(0, at.bs, 1)).toBe(true);
  expect(t.get(0, at.bs, 0)).toBe(`coaps://127.0.0.1:${server.address.port}`);
  expect(hex(t.get(0, at.bs, 5))).toBe(hex(info.bootstrap.key));
  expect(t.get(0, at.sec, 0)).toBe(info.server.serverUri);
  expect(t.get(0, at.sec, 1)).toBe(false);
  expect(hex(t.get(0, at.sec, 3))).toBe(hex(new TextEncoder().encode(info.server.identity)));
  expect(hex(t.get(0, at.sec, 5))).toBe(hex(info.server.key));
  expect(Number(t.get(0, at.sec, 10))).toBe(101);
  expect(t.instanceIds(1)).toEqual([at.srv]);
  expect(Number(t.get(1, at.srv, 1))).toBe(300);
  expect(device.serverAccount).toMatchObject({ shortServerId: 101, securityInstanceId: at.sec, serverInstanceId: at.srv, identity: info.server.identity });
}

describe('simulator profiles of real clients bootstrap against the real server (DTLS)', () => {
  it('bootstrap account at /0/1: kept; the server account goes to /0/0', async () => {
    const { device, info } = sim('bootstrapAccountAt1');
    await device.bootstrap();
    expectConfigured(device, info, { bs: 1, sec: 0, srv: 0 });
    expect(writesOf(info)).toEqual(['/0/0 110:2.04', '/1/0 110:2.04']);
    const discover = steps.find((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-discover');
    expect(discover).toMatchObject({ path: '/', result: '2.05' });
  });

  it('4.06 on a base64url vd: SenML-CBOR next, and kept for the Server instance', async () => {
    const { device, info } = sim('strictBase64');
    await device.bootstrap();
    expectConfigured(device, info, { bs: 0, sec: 1, srv: 0 });
    expect(writesOf(info)).toEqual(['/0/1 110:4.06', '/0/1 112:2.04', '/1/0 112:2.04']);
  });

  it('SenML-JSON only (no pct, TLV and SenML-CBOR answered 4.00): falls back to SenML-JSON', async () => {
    const { device, info } = sim('senmlJsonOnly');
    await device.bootstrap();
    expectConfigured(device, info, { bs: 0, sec: 1, srv: 0 });
    expect(writesOf(info)).toEqual(['/0/1 112:4.00', '/0/1 110:2.04', '/1/0 110:2.04']);
  });

  it('TLV only (no pct): falls back through SenML to TLV', async () => {
    const { device, info } = sim('tlvOnly');
    await device.bootstrap();
    expectConfigured(device, info, { bs: 0, sec: 1, srv: 0 });
    expect(writesOf(info)).toEqual(['/0/1 112:4.15', '/0/1 110:4.15', '/0/1 11542:2.04', '/1/0 11542:2.04']);
  });

  it('LwM2M 1.0 without pct: Discover /0, then TLV from the first write (no SenML ever sent)', async () => {
    const { device, info } = sim('lwm2m10');
    await device.bootstrap();
    expectConfigured(device, info, { bs: 0, sec: 1, srv: 0 });
    expect(writesOf(info)).toEqual(['/0/1 11542:2.04', '/1/0 11542:2.04']);
    expect(steps.find((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-discover')?.path).toBe('/0');
  });

  it('4.00 with a diagnostic not about the format: the session fails at once with the client words, reported as an anomaly', async () => {
    const { device, info } = sim('refusesServerWrite', 3000);
    const outcome = device.bootstrap().then(
      () => 'bootstrapped',
      (e: { code?: string }) => e.code,
    );
    // the device never gets a Bootstrap-Finish and gives up after its own deadline
    expect(await outcome).toBe('SIM_BOOTSTRAP_TIMEOUT');
    const f = failures.find((e) => e.endpoint === info.endpoint);
    expect(f).toMatchObject({
      operation: 'bootstrap-write',
      path: '/1/0',
      code: '4.00',
      diagnostic: 'lifetime below the minimum of 3600 s',
      reason: 'Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum of 3600 s)',
    });
    // no other format was tried for a refusal that is not about the format
    expect(writesOf(info)).toEqual(['/0/1 110:2.04', '/1/0 110:4.00']);
    await reporter.flush();
    const { items } = await anomalies.query({});
    expect(items.filter((a) => a.endpoint === info.endpoint).map((a) => [a.kind, a.value])).toEqual([
      ['bootstrap-failed', expect.stringContaining('Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum of 3600 s); code=4.00')],
    ]);
  });

  it('every profile that should bootstrap did, and no failure other than the refusing one', () => {
    expect(failures.map((f) => f.endpoint)).toEqual([infos.get('refusesServerWrite')!.endpoint]);
    expect(server.stats().bootstrap).toMatchObject({ finished: 5, failed: 1 });
  });
});
