/**
 * End to end with the device simulator (`SimDevice` from @chainm2m/client-sim, written
 * independently) over DTLS on loopback: it bootstraps and ends with the Security and Server
 * objects its security record describes; format fallbacks against its rejectFormats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySecurityStore, type SecurityInfo } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { SimDevice } from '@chainm2m/client-sim';
import { startBootstrapServer, type BootstrapServer, type BootstrapStepEvent } from '../../src/index.js';

const infos = Array.from({ length: 8 }, (_, i) => makeSecurityInfo(`sim-${i}`));
let server: BootstrapServer;
const sims: SimDevice[] = [];
const steps: BootstrapStepEvent[] = [];

beforeAll(async () => {
  server = await startBootstrapServer({ securityStore: new InMemorySecurityStore(infos), host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: 10_000 } });
  server.events.on('step', (e) => steps.push(e));
});
afterAll(async () => {
  for (const s of sims) await s.stop().catch(() => undefined);
  await server?.close();
});

function sim(info: SecurityInfo, extra: Partial<ConstructorParameters<typeof SimDevice>[0]> = {}): SimDevice {
  const d = new SimDevice({
    endpoint: info.endpoint,
    bootstrap: { uri: `coaps://127.0.0.1:${server.address.port}`, identity: info.bootstrap.identity, key: info.bootstrap.key },
    bootstrapTimeoutMs: 10_000,
    autoUpdate: false,
    ...extra,
  });
  sims.push(d);
  return d;
}

const bytes = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : `not bytes: ${String(v)}`);

/** The device's /0 and /1 hold what the record describes. */
function expectConfigured(d: SimDevice, info: SecurityInfo): void {
  const t = d.objects;
  expect(t.instanceIds(0).sort()).toEqual([0, 1]);
  expect(t.instanceIds(1)).toEqual([0]);
  // the device's own bootstrap account, kept as it was (not rewritten with the record's URI)
  expect(t.get(0, 0, 0)).toBe(`coaps://127.0.0.1:${server.address.port}`);
  expect(t.get(0, 0, 1)).toBe(true);
  expect(bytes(t.get(0, 0, 5))).toBe(Buffer.from(info.bootstrap.key).toString('hex'));
  expect(t.get(0, 1, 0)).toBe(info.server.serverUri);
  expect(t.get(0, 1, 1)).toBe(false);
  expect(Number(t.get(0, 1, 2))).toBe(0);
  expect(bytes(t.get(0, 1, 3))).toBe(Buffer.from(info.server.identity).toString('hex'));
  expect(bytes(t.get(0, 1, 5))).toBe(Buffer.from(info.server.key).toString('hex'));
  expect(Number(t.get(0, 1, 10))).toBe(info.server.shortServerId);
  expect(Number(t.get(1, 0, 0))).toBe(info.server.shortServerId);
  expect(Number(t.get(1, 0, 1))).toBe(info.server.lifetime);
  expect(t.get(1, 0, 6)).toBe(true);
  expect(t.get(1, 0, 7)).toBe(info.server.binding);
  expect(d.serverAccount).toMatchObject({ shortServerId: info.server.shortServerId });
}

describe('SimDevice bootstraps against the bootstrap server', () => {
  it('default formats (pct SenML-JSON)', async () => {
    const info = infos[0]!;
    const d = sim(info);
    await d.bootstrap();
    expectConfigured(d, info);
    expect(steps.filter((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-write').map((s) => s.contentFormat)).toEqual([110, 110]);
  });

  it('a device that prefers TLV gets TLV', async () => {
    const info = infos[1]!;
    const d = sim(info, { preferredFormat: 11542 });
    await d.bootstrap();
    expectConfigured(d, info);
    expect(steps.filter((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-write').map((s) => s.contentFormat)).toEqual([11542, 11542]);
  });

  it.each([
    ['SenML-CBOR', 112, 6],
    ['LwM2M JSON', 11543, 7],
  ])('a device that prefers %s gets it', async (_name, format, idx) => {
    const info = infos[idx]!;
    const d = sim(info, { preferredFormat: format });
    await d.bootstrap();
    expectConfigured(d, info);
    expect(steps.filter((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-write').map((s) => s.contentFormat)).toEqual([format, format]);
  });

  it('a device that rejects TLV (4.00) and prefers it anyway falls back to SenML-JSON', async () => {
    const info = infos[2]!;
    const d = sim(info, { preferredFormat: 11542, rejectFormats: [11542], rejectCode: '4.00' });
    await d.bootstrap();
    expectConfigured(d, info);
    const writes = steps.filter((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-write');
    expect(writes.map((s) => `${s.contentFormat}:${s.result}`)).toEqual(['11542:4.00', '112:2.04', '112:2.04']);
  });

  it('a device that rejects every instance format (4.15) gets per-resource text/opaque writes', async () => {
    const info = infos[3]!;
    const d = sim(info, { rejectFormats: [110, 112, 11542, 11543], preferredFormat: null });
    await d.bootstrap();
    expectConfigured(d, info);
    const writes = steps.filter((s) => s.endpoint === info.endpoint && s.operation === 'bootstrap-write' && s.result === '2.04');
    expect(writes.every((s) => s.contentFormat === 0 || s.contentFormat === 42)).toBe(true);
    expect(writes).toHaveLength(10);
  });

  it('the bootstrap identity of another endpoint is refused (the simulator sees SIM_BOOTSTRAP_REFUSED)', async () => {
    const d = sim(infos[4]!, { bootstrapTimeoutMs: 5000 });
    const other = new SimDevice({
      endpoint: infos[5]!.endpoint,
      bootstrap: { uri: `coaps://127.0.0.1:${server.address.port}`, identity: infos[4]!.bootstrap.identity, key: infos[4]!.bootstrap.key },
      bootstrapTimeoutMs: 5000,
      autoUpdate: false,
    });
    sims.push(other);
    await expect(other.bootstrap()).rejects.toMatchObject({ code: 'SIM_BOOTSTRAP_REFUSED' });
    expect(d.state).toBe('idle');
  });
});
