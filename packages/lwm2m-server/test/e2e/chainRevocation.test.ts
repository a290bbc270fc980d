/**
 * The paper's flow against a real chain: credentials live in the ClientStore contract (anvil dev
 * chain, ChainSecurityStore with event-synced cache); a SimDevice registers over DTLS with them;
 * an administrator removes the endpoint on chain (from another store instance, as another
 * process would) and the LwM2M server drops the device's DTLS session and registration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimDevice } from '@chainm2m/client-sim';
import { ChainSecurityStore, connectChain, deploy, generateSealingKeyPair, startDevChain, type ChainConnection, type DevChain } from '@chainm2m/chain-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLwm2mServer, type DeregisteredEvent, type Lwm2mServer } from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

const enc = new TextEncoder();

describe('revocation on chain (anvil + ChainSecurityStore)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lwm2m-server-chain-'));
  let chain: DevChain | undefined;
  const conns: ChainConnection[] = [];
  const stores: ChainSecurityStore[] = [];
  let admin: ChainSecurityStore;
  let serverStore: ChainSecurityStore;
  let server: Lwm2mServer | undefined;
  let device: SimDevice | undefined;

  beforeAll(async () => {
    chain = await startDevChain({ dataDir });
    const privateKey = chain.privateKeys[0] as string;
    const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir });
    const sealingKey = generateSealingKeyPair();
    const open = async (): Promise<ChainSecurityStore> => {
      const connection = await connectChain({ rpcUrl: (chain as DevChain).rpcUrl, privateKey, deployment, requestTimeoutMs: 5_000, receiptTimeoutMs: 20_000 });
      conns.push(connection);
      const s = await ChainSecurityStore.open({ connection, sealingKey, pollIntervalMs: 50 });
      stores.push(s);
      return s;
    };
    admin = await open();
    serverStore = await open();
    await admin.add(securityInfo('chain-dev'));
  }, 60_000);

  afterAll(async () => {
    await device?.stop();
    await server?.close();
    for (const s of stores) s.close();
    for (const c of conns) c.close();
    await chain?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers with on-chain credentials, and is dropped when the endpoint is removed on chain', async () => {
    server = await startLwm2mServer({ securityStore: serverStore, host: '127.0.0.1', port: 0, requestTimeoutMs: 10_000 });
    device = new SimDevice({ endpoint: 'chain-dev', autoUpdate: false, requestTimeoutMs: 5_000 });
    const t = device.objects;
    t.set(0, 1, 0, `coaps://127.0.0.1:${server.addresses.coaps.port}`);
    t.set(0, 1, 1, false);
    t.set(0, 1, 2, 0);
    t.set(0, 1, 3, enc.encode('chain-dev-id'));
    t.set(0, 1, 5, enc.encode('dm-key-chain-dev'));
    t.set(0, 1, 10, 101);
    t.set(1, 0, 0, 101);
    t.set(1, 0, 1, 300);
    t.set(1, 0, 7, 'U');
    await device.register();
    expect(await server.registrations.get('chain-dev')).toMatchObject({ identity: 'chain-dev-id' });
    expect((await server.devices.read('chain-dev', '/3/0/0')).node).toMatchObject({ value: 'chainm2m' });

    const s = server;
    const revoked = new Promise<DeregisteredEvent>((resolve) => {
      const off = s.events.on('deregistered', (e) => {
        off();
        resolve(e);
      });
    });
    await admin.remove('chain-dev', true);
    const e = await revoked;
    expect(e).toMatchObject({ reason: 'revoked', registration: { endpoint: 'chain-dev' } });
    expect(await server.registrations.get('chain-dev')).toBeUndefined();
    expect((await server.stats()).dtls?.sessions).toBe(0);
    // The device cannot come back with the revoked credentials.
    await expect(device.register()).rejects.toThrow();
    expect(await server.registrations.get('chain-dev')).toBeUndefined();
  }, 60_000);
});
