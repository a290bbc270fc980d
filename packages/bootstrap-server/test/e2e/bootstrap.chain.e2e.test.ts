/**
 * The acceptance test: the bootstrap server backed by the chain adapter (ChainSecurityStore +
 * ChainBootstrapConfigStore, sealed records in the ClientStore contract on an anvil dev chain).
 * Devices (our DtlsClient + CoapEndpoint, and the independent SimDevice) bootstrap and end with the
 * Security and Server objects the ClientStore record describes; refusals and a wrong key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityInfo } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import {
  ChainAnomalyLog,
  ChainBootstrapConfigStore,
  ChainSecurityStore,
  connectChain,
  deploy,
  generateSealingKeyPair,
  startDevChain,
  type ChainConnection,
  type DevChain,
} from '@chainm2m/chain-adapter';
import { SimDevice } from '@chainm2m/client-sim';
import { reportBootstrapAnomalies, startBootstrapServer, type BootstrapServer, type BootstrapEventMap } from '../../src/index.js';
import { connectDevice, type DtlsDevice } from '../helpers/dtlsDevice.js';
import { expectedObjects } from '../helpers/MiniDevice.js';

const infos: SecurityInfo[] = Array.from({ length: 7 }, (_, i) => makeSecurityInfo(`chain-${i}-${process.pid}`));
const [devA, devB, devC, devD, devE, devF, devG] = infos as [SecurityInfo, SecurityInfo, SecurityInfo, SecurityInfo, SecurityInfo, SecurityInfo, SecurityInfo];

let dataDir: string;
let chain: DevChain | undefined;
let connection: ChainConnection | undefined;
let store: ChainSecurityStore | undefined;
let server: BootstrapServer | undefined;
let anomalies: ChainAnomalyLog | undefined;
let reporter: ReturnType<typeof reportBootstrapAnomalies> | undefined;
const devices: DtlsDevice[] = [];
const sims: SimDevice[] = [];
const events: { event: keyof BootstrapEventMap; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-bs-e2e-'));
  chain = await startDevChain({ dataDir });
  const privateKey = chain.privateKeys[0] as string;
  const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir });
  connection = await connectChain({ rpcUrl: chain.rpcUrl, privateKey, deployment });
  store = await ChainSecurityStore.open({ connection, sealingKey: generateSealingKeyPair(), pollIntervalMs: 100 });
  await store.addMany(infos);
  server = await startBootstrapServer({
    securityStore: store,
    configStore: new ChainBootstrapConfigStore(store),
    host: '127.0.0.1',
    port: 0,
    policy: { stepTimeoutMs: 10_000 },
  });
  anomalies = await ChainAnomalyLog.open({ connection, dataDir });
  reporter = reportBootstrapAnomalies({ events: server.events, log: anomalies, securityStore: store });
  for (const e of ['started', 'unauthorized', 'rejected', 'finished', 'failed', 'handshakeFailed'] as const) {
    server.events.on(e, (payload) => events.push({ event: e, payload: payload as unknown as Record<string, unknown> }));
  }
}, 60_000);

afterAll(async () => {
  for (const d of devices) await d.close().catch(() => undefined);
  for (const s of sims) await s.stop().catch(() => undefined);
  reporter?.stop();
  await server?.close();
  await anomalies?.close();
  store?.close();
  connection?.close();
  await chain?.stop().catch(() => chain?.kill());
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function sessionEnd(endpoint: string): Promise<{ event: 'finished' | 'failed'; reason?: string }> {
  return new Promise((resolve) => {
    const offs = [
      server!.events.on('finished', (e) => e.endpoint === endpoint && (offs.forEach((o) => o()), resolve({ event: 'finished' }))),
      server!.events.on('failed', (e) => e.endpoint === endpoint && (offs.forEach((o) => o()), resolve({ event: 'failed', reason: e.reason }))),
    ];
  });
}

async function device(account: SecurityInfo['bootstrap']): Promise<DtlsDevice> {
  const d = await connectDevice(server!.address, account);
  devices.push(d);
  return d;
}

describe('bootstrap server backed by the chain (anvil)', () => {
  it('the records are on the chain (read back through a cold store)', async () => {
    const fresh = await ChainSecurityStore.open({ connection: connection!, sealingKey: generateSealingKeyPair(), pollIntervalMs: 0 });
    try {
      // A store with another sealing key sees the records but cannot unseal them.
      expect(await fresh.getByEndpoint(devA.endpoint)).toBeUndefined();
      expect(fresh.health().unsealFailures).toBeGreaterThanOrEqual(infos.length);
    } finally {
      fresh.close();
    }
  });

  it('a device bootstraps and ends with the Security and Server objects of its ClientStore record', async () => {
    const d = await device(devA.bootstrap);
    const end = sessionEnd(devA.endpoint);
    expect((await d.requestBootstrap(`ep=${devA.endpoint}`)).code).toBe('2.04');
    expect(await end).toEqual({ event: 'finished' });
    expect(d.device.snapshot()).toEqual(expectedObjects(devA));
  });

  it('the simulator (SimDevice) bootstraps from the chain-backed server', async () => {
    const s = new SimDevice({
      endpoint: devB.endpoint,
      bootstrap: { uri: `coaps://127.0.0.1:${server!.address.port}`, identity: devB.bootstrap.identity, key: devB.bootstrap.key },
      bootstrapTimeoutMs: 10_000,
      autoUpdate: false,
    });
    sims.push(s);
    await s.bootstrap();
    expect(s.state).toBe('bootstrapped');
    expect(s.serverAccount).toMatchObject({ shortServerId: devB.server.shortServerId });
    expect(Buffer.from(s.objects.get(0, 1, 5) as Uint8Array).equals(Buffer.from(devB.server.key))).toBe(true);
    expect(s.objects.get(0, 1, 0)).toBe(devB.server.serverUri);
  });

  it('the bootstrap identity of another endpoint gets 4.03', async () => {
    const d = await device(devC.bootstrap);
    expect((await d.requestBootstrap(`ep=${devD.endpoint}`)).code).toBe('4.03');
    expect(events.find((e) => e.event === 'unauthorized' && e.payload.endpoint === devD.endpoint)?.payload.reason).toBe('identity-mismatch');
    expect(d.device.received).toHaveLength(0);
    // ... and lands on chain as an anomaly of the device that asked (devC), through the AnomalyStore contract.
    await reporter!.flush();
    const { items } = await anomalies!.query({ endpoint: devC.endpoint });
    expect(items.map((a) => [a.kind, a.severity])).toEqual([['unauthorized-bootstrap', 192]]);
    expect(items[0]?.value).toContain(`requested ep=${devD.endpoint}`);
  });

  it('an unknown endpoint gets 4.00', async () => {
    const d = await device(devD.bootstrap);
    expect((await d.requestBootstrap('ep=not-on-chain')).code).toBe('4.00');
  });

  it('a wrong key fails the handshake', async () => {
    await expect(connectDevice(server!.address, { ...devE.bootstrap, key: new Uint8Array(16).fill(7) }, { timeoutMs: 3000 })).rejects.toThrow();
    expect(events.some((e) => e.event === 'handshakeFailed' && e.payload.identity === devE.bootstrap.identity)).toBe(true);
    await reporter!.flush();
    const { items } = await anomalies!.query({ endpoint: devE.endpoint });
    expect(items.map((a) => a.kind)).toEqual(['bootstrap-handshake-failed']);
  });

  it('a device that rejects TLV and SenML-JSON still ends with its record (per-resource writes)', async () => {
    const d = await connectDevice(server!.address, devF.bootstrap, { rejectFormats: [11542, 110], rejectCode: '4.00' });
    devices.push(d);
    const end = sessionEnd(devF.endpoint);
    expect((await d.requestBootstrap(`ep=${devF.endpoint}&pct=11542`)).code).toBe('2.04');
    expect(await end).toEqual({ event: 'finished' });
    expect(d.device.snapshot()).toEqual(expectedObjects(devF));
  });

  it('a device that never answers: the session fails at the step deadline (server with short deadlines, same chain store)', async () => {
    const quick = await startBootstrapServer({ securityStore: store!, configStore: new ChainBootstrapConfigStore(store!), host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: 300, maxAttempts: 2 } });
    const d = await connectDevice(quick.address, devG.bootstrap, { silent: true });
    try {
      const failed = quick.events.once('failed');
      expect((await d.requestBootstrap(`ep=${devG.endpoint}`)).code).toBe('2.04');
      expect(await failed).toMatchObject({ endpoint: devG.endpoint, reason: 'no response to Bootstrap-Discover /0 after 2 attempts' });
    } finally {
      await d.close();
      await quick.close();
    }
  });

  it('an endpoint removed from the chain can no longer bootstrap', async () => {
    expect(await store!.remove(devE.endpoint, true)).toBe(true);
    await expect(connectDevice(server!.address, devE.bootstrap, { timeoutMs: 3000 })).rejects.toThrow();
  });
});
