/** A dev chain in a temp data dir with the contracts deployed and a sealing key. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectChain, type ChainConnection } from '../../src/chain/ChainConnection.js';
import { deploy, type Deployment } from '../../src/chain/Deployment.js';
import { startDevChain, type DevChain } from '../../src/chain/DevChain.js';
import { generateSealingKeyPair, type SealingKeyPair } from '../../src/sealing/seal.js';

export interface ChainFixture {
  readonly dataDir: string;
  chain: DevChain;
  readonly deployment: Deployment;
  readonly sealingKey: SealingKeyPair;
  readonly privateKey: string;
  /** Opens a connection (closed by `cleanup`); `verify: false` works while the chain is down. */
  connect(verify?: boolean): Promise<ChainConnection>;
  /** SIGTERM (or SIGKILL) the chain and start it again on the same port. */
  restart(mode?: 'stop' | 'kill'): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startChainFixture(): Promise<ChainFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-adapter-'));
  const chain = await startDevChain({ dataDir });
  const privateKey = chain.privateKeys[0] as string;
  const { deployment } = await deploy({ rpcUrl: chain.rpcUrl, privateKey, dataDir });
  const conns: ChainConnection[] = [];
  const f: ChainFixture = {
    dataDir,
    chain,
    deployment,
    sealingKey: generateSealingKeyPair(),
    privateKey,
    async connect(verify = true) {
      const c = await connectChain({ rpcUrl: f.chain.rpcUrl, privateKey, deployment, requestTimeoutMs: 2_000, receiptTimeoutMs: 10_000, verify });
      conns.push(c);
      return c;
    },
    async restart(mode = 'stop') {
      const port = Number(new URL(f.chain.rpcUrl).port);
      await (mode === 'stop' ? f.chain.stop() : f.chain.kill());
      f.chain = await startDevChain({ dataDir, port });
    },
    async cleanup() {
      for (const c of conns) c.close();
      await f.chain.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return f;
}
