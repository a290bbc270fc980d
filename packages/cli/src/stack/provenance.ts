/**
 * Provenance in `chainm2m up`: the Ed25519 signing key beside the sealing key (created once), the
 * log in `<dataDir>/provenance`, batches anchored in AuditAnchor through the stack's chain
 * connection (the server key published there once), the device-management hook, registration
 * events, and the REST API's provenance routes. `CHAINM2M_PROVENANCE=off` turns it off;
 * `CHAINM2M_PROVENANCE_BATCH` (records, default 1000) and `CHAINM2M_PROVENANCE_INTERVAL_MS`
 * (default 10000) set N and T.
 */
import { join } from 'node:path';
import { ChainAnchorLedger, chainAnchorReader, type ChainConnection } from '@chainm2m/chain-adapter';
import { SystemClock, type SecurityStore } from '@chainm2m/lwm2m';
import { AppKeyRegistry, RecorderDeviceProvenance, recordServerEvents, type Lwm2mServerEvents, type ProvenanceApiDeps } from '@chainm2m/lwm2m-server';
import { ProvenanceRecorder, SIGNING_KEY_FILE, loadOrCreateSigningKeyFile, provenanceDir } from '@chainm2m/provenance';
import type { BootstrapEventMap } from '@chainm2m/bootstrap-server';
import type { EditableSecurityStore, TypedEmitter } from '@chainm2m/lwm2m';
import { CliError } from '../CliError.js';
import { recordAnomaly, recordBootstrapSessions, recordEndpointChanges } from './provenanceEvents.js';

export interface StackProvenance {
  readonly recorder: ProvenanceRecorder;
  readonly device: RecorderDeviceProvenance;
  readonly api: ProvenanceApiDeps;
  /** Records the LwM2M server's registration events; returns the unsubscribe function. */
  recordEvents(events: Lwm2mServerEvents): () => void;
  /** Records an anomaly appended by this process (its value only as a SHA-256). */
  recordAnomaly(a: { readonly endpoint: string; readonly kind: string; readonly value: string }): void;
  /** Records the bootstrap server's sessions. */
  recordBootstrap(events: TypedEmitter<BootstrapEventMap>): () => void;
  close(): Promise<void>;
}

function positive(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError('CLI_BAD_INPUT', `${name} must be a positive integer, got '${raw}'`);
  return n;
}

export async function openStackProvenance(opts: {
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly connection: ChainConnection;
  /** The chain node's JSON-RPC URL (the API reads anchors from it). */
  readonly rpcUrl: string;
  readonly security: Pick<SecurityStore, 'getByEndpoint'> & Pick<EditableSecurityStore, 'addListener'>;
  readonly log: (line: string) => void;
}): Promise<StackProvenance | undefined> {
  const { env, log } = opts;
  if (env['CHAINM2M_PROVENANCE'] === 'off') return undefined;
  const { signer, created } = loadOrCreateSigningKeyFile(join(opts.dataDir, SIGNING_KEY_FILE));
  const ledger = new ChainAnchorLedger({ connection: opts.connection });
  let lastError = 0;
  const recorder = await ProvenanceRecorder.open({
    dir: provenanceDir(opts.dataDir),
    signer,
    ledger,
    clock: SystemClock,
    batchSize: positive(env, 'CHAINM2M_PROVENANCE_BATCH', 1000),
    intervalMs: positive(env, 'CHAINM2M_PROVENANCE_INTERVAL_MS', 10_000),
    onAnchorError: (e, batch) => {
      // At most one line every 30 s while the chain is out; the batches wait in order.
      if (Date.now() - lastError < 30_000) return;
      lastError = Date.now();
      log(`provenance     cannot anchor records ${batch.fromSeq}..${batch.toSeq} yet (${(e as Error).message}); retrying`);
    },
  });
  const publish = async (): Promise<void> => {
    if (await ledger.publishSigningKey(signer.publicKeyBytes32)) log(`provenance     server key ${signer.publicKey} published in AuditAnchor`);
  };
  await publish().catch((e: unknown) => log(`provenance     cannot publish the server key yet (${(e as Error).message})`));
  const offEndpoints = recordEndpointChanges(opts.security, recorder, log);
  // Clients check receipts against the chain through the API's read-only anchor route.
  const anchorReader = chainAnchorReader(opts.rpcUrl);
  const report = recorder.openReport;
  log(`provenance     ${provenanceDir(opts.dataDir)} (${report.records} records${report.truncatedBytes ? `, a torn tail of ${report.truncatedBytes} bytes cut` : ''}${created ? ', new signing key' : ''})`);
  return {
    recorder,
    device: new RecorderDeviceProvenance(recorder, opts.security, log),
    api: { recorder, appKeys: new AppKeyRegistry(join(provenanceDir(opts.dataDir), 'app-keys.json')), anchors: anchorReader.read },
    recordEvents: (events) => recordServerEvents(events, recorder, opts.security, log),
    recordBootstrap: (events) => recordBootstrapSessions(events, recorder, opts.security, log),
    recordAnomaly: (a) => recordAnomaly(recorder, a, log),
    close: async () => {
      offEndpoints();
      anchorReader.close();
      await recorder.close();
    },
  };
}
