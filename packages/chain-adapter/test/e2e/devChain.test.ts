import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectChain } from '../../src/chain/ChainConnection.js';
import { deploy, deploymentFilePath, readDeployment } from '../../src/chain/Deployment.js';
import { devChainStateFile, startDevChain, type DevChain } from '../../src/chain/DevChain.js';

const dirs: string[] = [];
const chains: DevChain[] = [];
afterAll(async () => {
  for (const c of chains) await c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'chainm2m-devchain-'));
  dirs.push(d);
  return d;
}

async function start(dataDir: string, port?: number): Promise<DevChain> {
  const c = await startDevChain({ dataDir, ...(port === undefined ? {} : { port }) });
  chains.push(c);
  return c;
}

describe('startDevChain + deploy', () => {
  it('deploys once, writes the deployment file, and redeploys when the chain lost the code', async () => {
    const dataDir = tempDir();
    const chain = await start(dataDir);
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await deploy({ rpcUrl: chain.rpcUrl, privateKey: chain.privateKeys[0] as string, dataDir });
    expect(first.reused).toBe(false);
    expect(readDeployment(dataDir)).toEqual(first.deployment);
    expect(first.deployment.chainId).toBe(chain.chainId);
    expect(first.deployment.deployer).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const conn = await connectChain({ rpcUrl: chain.rpcUrl, deployment: first.deployment });
    expect(conn.address).toBeUndefined(); // read-only without a key
    expect(Number((await conn.call('ClientStore', 'clientCount', []))[0])).toBe(0);
    await expect(conn.send('ClientStore', 'removeClient', ['x', false])).rejects.toMatchObject({ code: 'CHAIN_READ_ONLY' });
    conn.close();
    // a fresh chain (state gone) with the old deployment file: the code is missing, so deploy again
    await chain.kill();
    rmSync(join(dataDir, 'chain'), { recursive: true, force: true });
    const fresh = await start(dataDir);
    await expect(connectChain({ rpcUrl: fresh.rpcUrl, deployment: first.deployment })).rejects.toMatchObject({ code: 'CHAIN_BAD_DEPLOYMENT' });
    const second = await deploy({ rpcUrl: fresh.rpcUrl, privateKey: fresh.privateKeys[0] as string, dataDir });
    expect(second.reused).toBe(false);
    expect(JSON.parse(readFileSync(deploymentFilePath(dataDir), 'utf8'))).toEqual(second.deployment);
    // another chain id: deploys there and keeps the other chain's file aside
    await fresh.kill();
    const other = await startDevChain({ dataDir: tempDir(), chainId: 4242 });
    chains.push(other);
    const third = await deploy({ rpcUrl: other.rpcUrl, privateKey: other.privateKeys[0] as string, dataDir });
    expect(third.deployment.chainId).toBe(4242);
    expect(readDeployment(dataDir)?.chainId).toBe(4242);
    expect(JSON.parse(readFileSync(`${deploymentFilePath(dataDir)}.chain-${second.deployment.chainId}.bak`, 'utf8'))).toEqual(second.deployment);
  });

  it('starts from the backup when the state file was torn by a crash mid-dump', async () => {
    const dataDir = tempDir();
    let chain = await start(dataDir);
    const port = Number(new URL(chain.rpcUrl).port);
    const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey: chain.privateKeys[0] as string, dataDir });
    await chain.stop();
    chain = await start(dataDir, port); // keeps a backup of the good state
    await chain.stop();
    const stateFile = devChainStateFile(dataDir);
    expect(existsSync(`${stateFile}.bak`)).toBe(true);
    truncateSync(stateFile, 100);
    chain = await start(dataDir, port);
    const conn = await connectChain({ rpcUrl: chain.rpcUrl, deployment }); // verifies the code is there
    expect(Number((await conn.call('AnomalyStore', 'anomalyCount', []))[0])).toBe(0);
    conn.close();
    expect(existsSync(`${stateFile}.corrupt`)).toBe(true);
  });

  it('rejects a malformed deployment file clearly', async () => {
    const dataDir = tempDir();
    writeFileSync(deploymentFilePath(dataDir), '{"chainId": 1}');
    expect(() => readDeployment(dataDir)).toThrow(/lacks/);
    expect(readDeployment(tempDir())).toBeUndefined();
  });
});
