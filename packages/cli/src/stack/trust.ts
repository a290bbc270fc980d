/**
 * The LwM2M server as a trust evaluator inside `chainm2m up`: the TrustStore ledger on the
 * stack's chain connection, the trust service (one evaluation per device per window, many per
 * transaction), and the evidence hooks on the LwM2M and bootstrap servers' events, the device
 * answers of the API and the anomaly log.
 */
import { ChainTrustLedger } from '@chainm2m/chain-adapter';
import type { BootstrapServer } from '@chainm2m/bootstrap-server';
import { SystemClock, type NewAnomaly } from '@chainm2m/lwm2m';
import { TrustService, collectTrustEvidence, withResponseEvidence, type ApiEvent, type DeviceApi, type Lwm2mServer } from '@chainm2m/lwm2m-server';
import { usage } from '../CliError.js';
import type { ChainStores } from './chain.js';

export const DEFAULT_TRUST_WINDOW_SECONDS = 600;

/** `--trust-window SECONDS`, else `CHAINM2M_TRUST_WINDOW`, else 600. */
export function trustWindowSeconds(flag: string | boolean | undefined, env: Readonly<Record<string, string | undefined>>): number {
  const raw = typeof flag === 'string' ? flag : env['CHAINM2M_TRUST_WINDOW'];
  if (raw === undefined || raw === '') return DEFAULT_TRUST_WINDOW_SECONDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 86_400 * 7) throw usage(`--trust-window must be whole seconds (1-604800), got '${raw}'`);
  return n;
}

export interface StackTrust {
  readonly service: TrustService;
  readonly ledger: ChainTrustLedger;
  /** The API's device calls, counted as evidence (answered in time, timed out, malformed). */
  readonly devices: DeviceApi;
  /** An anomaly appended for a device (refused registrations are counted from the server's events instead). */
  onAnomaly(a: NewAnomaly): void;
  close(): Promise<void>;
}

export interface StackTrustOptions {
  readonly stores: ChainStores;
  readonly lwm2m: Lwm2mServer;
  readonly bootstrap?: BootstrapServer | undefined;
  readonly devices: DeviceApi;
  readonly windowSeconds: number;
  readonly announce: (event: ApiEvent) => void;
  readonly log: (line: string) => void;
}

export async function startStackTrust(o: StackTrustOptions): Promise<StackTrust> {
  const report = (what: string) => (e: unknown) => o.log(`trust          ${what}: ${(e as Error).message ?? String(e)}`);
  const ledger = await ChainTrustLedger.open({ connection: o.stores.connection, pollIntervalMs: 1_000, onError: report('ledger sync failed') });
  const evaluator = (o.stores.connection.address ?? 'chainm2m').toLowerCase();
  let service: TrustService;
  try {
    service = await TrustService.start({
      ledger,
      evaluator,
      windowSeconds: o.windowSeconds,
      clock: SystemClock,
      onEvent: (e) => o.announce(e),
      onError: report('window write failed (kept for the next window)'),
    });
  } catch (e) {
    await ledger.close();
    throw e;
  }
  const devices = withResponseEvidence(o.devices, service);
  const readIdentity = async (endpoint: string) => {
    const c = (await devices.read(endpoint, '/3/0', { timeoutMs: 10_000 })) as { resources?: { id?: number; value?: unknown }[] };
    const v = (id: number): string | undefined => {
      const r = c.resources?.find((x) => x.id === id);
      return typeof r?.value === 'string' ? r.value : undefined;
    };
    return { manufacturer: v(0), model: v(1), firmwareVersion: v(3) };
  };
  const offs = [collectTrustEvidence({ trust: service, events: o.lwm2m.events, security: o.stores.security, readIdentity, onError: report('evidence') })];
  if (o.bootstrap) {
    const bs = o.bootstrap.events;
    const byIdentity = (identity: string | undefined, kind: 'handshakeFailed') => {
      if (identity === undefined) return;
      void o.stores.security
        .getByIdentity(identity)
        .then((m) => m && service.record(m.info.endpoint, kind))
        .catch(report('evidence'));
    };
    offs.push(
      bs.on('finished', (e) => service.record(e.endpoint, 'authenticated')),
      bs.on('failed', (e) => service.record(e.endpoint, 'bootstrapFailed')),
      bs.on('unauthorized', (e) => {
        if (e.reason === 'identity-mismatch') service.record(e.endpoint, 'identityMismatch');
      }),
      bs.on('handshakeFailed', (e) => byIdentity(e.identity, 'handshakeFailed')),
    );
  }
  o.log(`trust          evaluator ${evaluator}, one evaluation per device per ${o.windowSeconds} s window`);
  return {
    service,
    ledger,
    devices,
    onAnomaly(a) {
      if (a.kind !== 'unauthorized-registration') service.record(a.endpoint, 'anomaly');
    },
    async close() {
      for (const off of offs) off();
      await service.closeWindow().catch(report('last window write failed'));
      await service.close();
      await ledger.close();
    },
  };
}
