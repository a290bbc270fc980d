/**
 * Supervision of the embedded dev chain and upkeep of the transaction journal.
 *
 * If anvil exits while `up` runs, the supervisor says so, starts it again on the same state file
 * and port (retrying with a growing pause, at most 2 s), then calls `onRestarted` (the stack
 * re-sends what the journal holds and resyncs its caches). `/health` reads `degraded()`: what is
 * degraded, why and since when.
 *
 * The journal is trimmed after each dev-chain checkpoint (what the state file holds is never
 * replayed again); on an external chain, once a transaction is `trimDepth` blocks deep.
 */
import { startDevChain, type ChainConnection, type DevChain, type StartDevChainOptions } from '@chainm2m/chain-adapter';

export interface Degradation {
  readonly component: string;
  readonly reason: string;
  /** ISO time. */
  readonly since: string;
}

export interface ChainSupervisor {
  readonly rpcUrl: string;
  /** The running dev chain (changes after a restart). */
  current(): DevChain;
  /** Empty when all is well. */
  degraded(): readonly Degradation[];
  /** How many times anvil was restarted. */
  restarts(): number;
  /** Called after every restart, once the new chain answers. */
  onRestarted(fn: () => Promise<void>): void;
  /** Stops supervising and the chain (a final checkpoint). */
  stop(): Promise<void>;
}

export interface SuperviseOptions extends StartDevChainOptions {
  readonly log: (line: string) => void;
  /** Injected for tests; defaults to `startDevChain`. */
  readonly start?: (o: StartDevChainOptions) => Promise<DevChain>;
  readonly now?: () => number;
}

export async function superviseDevChain(options: SuperviseOptions): Promise<ChainSupervisor> {
  const start = options.start ?? startDevChain;
  const now = options.now ?? Date.now;
  const { log } = options;
  let chain = await start(options);
  const port = Number(new URL(chain.rpcUrl).port);
  let stopping = false;
  let down: Degradation | undefined;
  let restartCount = 0;
  const restartedHooks: (() => Promise<void>)[] = [];

  const watch = (c: DevChain): void => {
    void c.exited.then(async (status) => {
      if (stopping || c !== chain) return;
      const since = now();
      down = { component: 'chain', reason: `the dev chain exited (${status.signal ?? `code ${String(status.code)}`}); restarting`, since: new Date(since).toISOString() };
      log(`dev chain      exited (${status.signal ?? `code ${String(status.code)}`}); restarting on the same state`);
      for (let attempt = 0; !stopping; attempt++) {
        try {
          const next = await start({ ...options, port });
          if (stopping) {
            await next.stop();
            return;
          }
          chain = next;
          restartCount++;
          watch(next);
          break;
        } catch (e) {
          down = { ...down, reason: `the dev chain does not start again: ${(e as Error).message}` };
          if (attempt % 10 === 0) log(`dev chain      restart failed (${(e as Error).message}); retrying`);
          await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
        }
      }
      if (stopping) return;
      down = { ...down, reason: 'the dev chain restarted; re-sending journaled transactions' };
      for (const hook of restartedHooks) {
        try {
          await hook();
        } catch (e) {
          log(`dev chain      recovery after restart failed: ${(e as Error).message}`);
        }
      }
      log(`dev chain      restarted after ${now() - since} ms (${chain.rpcUrl})`);
      down = undefined;
    });
  };
  watch(chain);

  return {
    rpcUrl: chain.rpcUrl,
    current: () => chain,
    degraded: () => (down ? [down] : []),
    restarts: () => restartCount,
    onRestarted(fn) {
      restartedHooks.push(fn);
    },
    async stop() {
      stopping = true;
      await chain.stop();
    },
  };
}

/**
 * Keeps the signer's journal short: trimmed after each checkpoint of the supervised dev chain, or
 * (external chain) every `intervalMs` for transactions `trimDepth` blocks deep. Also re-sends,
 * every `intervalMs`, what processes that are gone (a CLI command killed mid-write) left behind.
 */
export function maintainJournal(
  connection: ChainConnection,
  opts: { supervisor?: ChainSupervisor; intervalMs?: number; trimDepth?: number; onError?: (e: unknown) => void },
): () => void {
  const signer = connection.address !== undefined ? connection.signer() : undefined;
  if (!signer?.journal) return () => undefined;
  const intervalMs = opts.intervalMs ?? 5_000;
  const trimDepth = opts.trimDepth ?? 64;
  let busy = false;
  let stopped = false;
  const tick = async (): Promise<void> => {
    if (busy || stopped || connection.isClosed) return;
    busy = true;
    try {
      if (opts.supervisor && opts.supervisor.degraded().length > 0) return;
      await signer.recover();
      if (opts.supervisor) {
        const cp = opts.supervisor.current().lastCheckpoint() ?? (await opts.supervisor.current().checkpoint());
        await signer.trimJournal(cp.block);
      } else {
        await signer.trimJournal((await connection.blockNumber()) - trimDepth);
      }
    } catch (e) {
      opts.onError?.(e);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * What `/health` reports as degraded, each with the time it was first seen: the supervised dev
 * chain (down or recovering), the credential cache (cannot sync with the chain), the anomaly
 * outbox (chain unreachable, records waiting). Sampled every second.
 */
export function trackHealth(
  stores: { readonly security: { isStale(): boolean }; readonly anomalies: { isStale(): boolean; pending(): number } },
  supervisor: ChainSupervisor | undefined,
  now: () => number = Date.now,
): { degraded(): Degradation[]; stop(): void } {
  const since = new Map<string, number>();
  const sample = (): Degradation[] => {
    const out: Degradation[] = [...(supervisor?.degraded() ?? [])];
    const checks: [string, boolean, string][] = [
      ['credential-cache', stores.security.isStale(), 'cannot sync with the chain; serving the last known credentials'],
      ['anomaly-outbox', stores.anomalies.isStale() && stores.anomalies.pending() > 0, `${stores.anomalies.pending()} anomaly record(s) waiting for the chain`],
    ];
    for (const [component, bad, reason] of checks) {
      if (!bad) {
        since.delete(component);
        continue;
      }
      if (!since.has(component)) since.set(component, now());
      out.push({ component, reason, since: new Date(since.get(component) as number).toISOString() });
    }
    return out;
  };
  const timer = setInterval(sample, 1_000);
  timer.unref();
  return { degraded: sample, stop: () => clearInterval(timer) };
}
