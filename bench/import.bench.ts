/**
 * Bulk import: `chainm2m endpoints import devices.csv` with 10,000 endpoints on the embedded dev
 * chain (the CLI command run in-process, CSV parsing, key generation, sealing and batched
 * `addClients` transactions included), beside registering the same number one transaction at a
 * time for a sample (the naive baseline). Target: 10,000 in under 30 s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deploy, startDevChain } from '../packages/chain-adapter/src/index.js';
import { loadConfig } from '../packages/cli/src/config.js';
import { allCommands } from '../packages/cli/src/commands/index.js';
import { run } from '../packages/cli/src/run.js';
import { openManagement } from '../packages/cli/src/stack/chain.js';
import { loadOrCreateSealingKeyFile } from '../packages/chain-adapter/src/index.js';
import type { Io } from '../packages/cli/src/Io.js';
import { report } from './lib/stats.js';

const N = Number(process.env['IMPORT_BENCH_N'] ?? 10_000);
const ONE_BY_ONE_SAMPLE = 100;
const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-bench-import-'));
const chain = await startDevChain({ dataDir });
try {
  await deploy({ rpcUrl: chain.rpcUrl, privateKey: chain.privateKeys[0] as string, dataDir });
  loadOrCreateSealingKeyFile(join(dataDir, 'sealing-key.json'));
  const env = { CHAIN_RPC_URL: chain.rpcUrl, CHAINM2M_SIGNER_KEY: chain.privateKeys[0] as string };
  const csv = join(dataDir, 'devices.csv');
  writeFileSync(csv, ['endpoint,lifetime', ...Array.from({ length: N }, (_, i) => `imp-${i},300`)].join('\n'));
  let out = '';
  const io: Io = {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: () => true },
    env,
    readStdin: async () => '',
    untilSignal: () => new Promise(() => undefined),
  };
  const t0 = performance.now();
  const code = await run(['endpoints', 'import', csv, '--json', '--data-dir', dataDir], io, { commands: allCommands, openManagement });
  const importSec = (performance.now() - t0) / 1000;
  const summary = JSON.parse(out) as { added: number; failed: unknown[] };
  if (code !== 0 || summary.added !== N) throw new Error(`import failed: exit ${code}, ${out.slice(0, 500)}`);

  // Baseline: the same service, one endpoint per transaction, for a sample.
  const management = await openManagement(loadConfig({ 'data-dir': dataDir }, env), { env });
  const t1 = performance.now();
  for (let i = 0; i < ONE_BY_ONE_SAMPLE; i++) await management.endpoints.create({ endpoint: `one-${i}` });
  const oneSec = (performance.now() - t1) / 1000;
  await management.close();

  const perSec = N / importSec;
  const onePerSec = ONE_BY_ONE_SAMPLE / oneSec;
  report(
    'import',
    { endpoints: N, importSeconds: importSec, importPerSec: perSec, oneByOnePerSec: onePerSec, speedup: perSec / onePerSec, targetUnder30s: importSec < 30 },
    [
      `endpoints import of ${N.toLocaleString('en')} from CSV: ${importSec.toFixed(1)} s (${Math.round(perSec).toLocaleString('en')}/s; target < 30 s: ${importSec < 30 ? 'met' : 'NOT met'})`,
      `one transaction per endpoint (same run, ${ONE_BY_ONE_SAMPLE} endpoints): ${Math.round(onePerSec)}/s -> batching is ${(perSec / onePerSec).toFixed(1)}x faster`,
    ],
  );
} finally {
  await chain.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
