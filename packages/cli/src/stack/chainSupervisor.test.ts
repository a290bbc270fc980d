import type { DevChain, DevChainCheckpoint } from '@chainm2m/chain-adapter';
import { describe, expect, it, vi } from 'vitest';
import { superviseDevChain, trackHealth } from './chainSupervisor.js';

/** A dev chain whose exit the test decides. */
function fakeChain(pid: number, port: number): DevChain & { crash(): void; stopped: boolean } {
  let exit!: (s: { code: number | null; signal: NodeJS.Signals | null }) => void;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => (exit = r));
  const cp: DevChainCheckpoint = { block: 7, bytes: 100, ms: 1 };
  const c = {
    rpcUrl: `http://127.0.0.1:${port}`,
    chainId: 31337,
    pid,
    stateFile: '/tmp/x/anvil-state.json',
    privateKeys: [],
    checkpoint: async () => cp,
    lastCheckpoint: () => cp,
    onCheckpoint: () => () => undefined,
    exited,
    stopped: false,
    crash: () => exit({ code: null, signal: 'SIGKILL' }),
    async stop() {
      c.stopped = true;
      exit({ code: 0, signal: null });
    },
    async kill() {
      exit({ code: null, signal: 'SIGKILL' });
    },
  };
  return c;
}

describe('superviseDevChain', () => {
  it('restarts an exited chain on the same port, reports it degraded meanwhile, runs the recovery hooks', async () => {
    const chains: ReturnType<typeof fakeChain>[] = [];
    const ports: (number | undefined)[] = [];
    let failNext = 1;
    const lines: string[] = [];
    let release!: () => void;
    const hookGate = new Promise<void>((r) => (release = r));
    const sup = await superviseDevChain({
      dataDir: '/tmp/x',
      port: 0,
      log: (l) => lines.push(l),
      start: async (o) => {
        ports.push(o.port);
        if (chains.length === 1 && failNext-- > 0) throw new Error('port still in use');
        const c = fakeChain(1000 + chains.length, 45678);
        chains.push(c);
        return c;
      },
    });
    const recovered = vi.fn(async () => hookGate);
    sup.onRestarted(recovered);
    expect(sup.degraded()).toEqual([]);
    chains[0]?.crash();
    await vi.waitFor(() => expect(chains).toHaveLength(2));
    expect(ports).toEqual([0, 45678, 45678]); // the first restart failed and was retried
    expect(sup.degraded()).toEqual([expect.objectContaining({ component: 'chain', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })]);
    await vi.waitFor(() => expect(recovered).toHaveBeenCalledTimes(1));
    release();
    await vi.waitFor(() => expect(sup.degraded()).toEqual([]));
    expect(sup.current()).toBe(chains[1]);
    expect(sup.restarts()).toBe(1);
    expect(lines.join('\n')).toMatch(/exited \(SIGKILL\); restarting on the same state[\s\S]*restart failed \(port still in use\)[\s\S]*restarted after \d+ ms/);
    await sup.stop();
    expect(chains[1]?.stopped).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(chains).toHaveLength(2); // a stop is not a crash
  });
});

describe('trackHealth', () => {
  it('names what is degraded with the time it was first seen, and forgets it once well', () => {
    let t = Date.UTC(2026, 11, 4, 18, 0, 0);
    const state = { stale: true, outboxStale: true, pending: 3 };
    const h = trackHealth(
      { security: { isStale: () => state.stale }, anomalies: { isStale: () => state.outboxStale, pending: () => state.pending } },
      undefined,
      () => t,
    );
    try {
      expect(h.degraded()).toEqual([
        { component: 'credential-cache', reason: expect.stringContaining('cannot sync'), since: '2026-12-04T18:00:00.000Z' },
        { component: 'anomaly-outbox', reason: '3 anomaly record(s) waiting for the chain', since: '2026-12-04T18:00:00.000Z' },
      ]);
      t += 5_000;
      state.outboxStale = false;
      expect(h.degraded()).toEqual([expect.objectContaining({ component: 'credential-cache', since: '2026-12-04T18:00:00.000Z' })]);
      state.stale = false;
      expect(h.degraded()).toEqual([]);
      state.stale = true;
      expect(h.degraded()[0]?.since).toBe('2026-12-04T18:00:05.000Z');
    } finally {
      h.stop();
    }
  });
});
