import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANVIL_DEFAULT_PRIVATE_KEYS, ContractsError, anvilBinaryPath, parsePrivateKeys, startAnvil } from '../src/index.js';
import type { AnvilInstance } from '../src/index.js';

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  if (body.error !== undefined) throw new Error(JSON.stringify(body.error));
  return body.result;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startAnvil', () => {
  const started: AnvilInstance[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const a of started) await a.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('picks free ports, answers RPC, reports keys, and stops', async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ chainId: 4242, gasLimit: 100_000_000n })]);
    started.push(a, b);
    expect(a.port).toBeGreaterThan(0);
    expect(a.port).not.toBe(b.port);
    expect(a.rpcUrl).toBe(`http://127.0.0.1:${a.port}`);
    expect(a.chainId).toBe(31337);
    expect(b.chainId).toBe(4242);
    expect(await rpc(b.rpcUrl, 'eth_chainId')).toBe('0x1092');
    const block = (await rpc(b.rpcUrl, 'eth_getBlockByNumber', ['latest', false])) as { gasLimit: string };
    expect(BigInt(block.gasLimit)).toBe(100_000_000n);
    expect(a.privateKeys).toEqual(ANVIL_DEFAULT_PRIVATE_KEYS);
    expect(isAlive(a.pid)).toBe(true);
    await a.stop();
    expect(isAlive(a.pid)).toBe(false);
    await a.stop(); // idempotent
    await expect(rpc(a.rpcUrl, 'eth_chainId')).rejects.toThrow();
    await b.kill();
    expect(isAlive(b.pid)).toBe(false);
  });

  it('persists state to --state on stop and reloads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainm2m-anvil-'));
    dirs.push(dir);
    const stateFile = join(dir, 'state.json');
    const a = await startAnvil({ stateFile, stateIntervalSec: 1 });
    started.push(a);
    await rpc(a.rpcUrl, 'evm_mine', []);
    await rpc(a.rpcUrl, 'evm_mine', []);
    expect(await rpc(a.rpcUrl, 'eth_blockNumber')).toBe('0x2');
    await a.stop();
    expect(existsSync(stateFile) && statSync(stateFile).size > 0).toBe(true);
    const b = await startAnvil({ stateFile });
    started.push(b);
    expect(await rpc(b.rpcUrl, 'eth_blockNumber')).toBe('0x2');
    await b.stop();
  });

  it('fails with a typed error when anvil cannot start', async () => {
    const err = await startAnvil({ extraArgs: ['--no-such-flag'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractsError);
    expect((err as ContractsError).code).toBe('CONTRACTS_ANVIL_START_FAILED');
  });

  it('fails with a typed error when the binary cannot be spawned', async () => {
    const previous = process.env['CHAINM2M_ANVIL_BIN'];
    process.env['CHAINM2M_ANVIL_BIN'] = '/nonexistent/anvil';
    try {
      const err = await startAnvil().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContractsError);
      expect((err as ContractsError).code).toBe('CONTRACTS_ANVIL_START_FAILED');
    } finally {
      if (previous === undefined) delete process.env['CHAINM2M_ANVIL_BIN'];
      else process.env['CHAINM2M_ANVIL_BIN'] = previous;
    }
  });

  it('resolves the binary from the npm package', () => {
    const bin = anvilBinaryPath();
    expect(bin).toMatch(/@foundry-rs[/\\]anvil-[a-z0-9]+-[a-z0-9]+[/\\]bin[/\\]anvil(?:\.exe)?$/);
    expect(existsSync(bin)).toBe(true);
  });

  it('parses private keys from the banner', () => {
    const banner = 'Private Keys\n==================\n\n(0) 0x' + 'ab'.repeat(32) + '\n(1) 0x' + 'cd'.repeat(32) + '\n\nWallet\n';
    expect(parsePrivateKeys(banner)).toEqual(['0x' + 'ab'.repeat(32), '0x' + 'cd'.repeat(32)]);
    expect(parsePrivateKeys('nothing')).toEqual([]);
  });
});
