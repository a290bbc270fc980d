import { CoapEndpoint, ContentFormat, FakeClock, type PeerAddress } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { runSimulation, type SimulationProgress } from '../../src/index.js';
import { enc, seededRandom } from '../harness.js';
import { MemoryNet } from '../memoryLink.js';

/** Bootstrap driver + registrar on an in-memory network, on a FakeClock. */
function world() {
  const clock = new FakeClock(0);
  const net = new MemoryNet();
  const regT = net.transport();
  const bsT = net.transport();
  const bsAt: number[] = [];
  let regs = 0;
  const registrar = new CoapEndpoint({
    transport: regT,
    clock,
    random: seededRandom(3),
    handler: async (req) => (req.method === 'POST' && req.path.join('/') === 'rd' ? { code: '2.01', locationPath: ['rd', `r${++regs}`] } : { code: '2.02' }),
  });
  const bs: CoapEndpoint = new CoapEndpoint({
    transport: bsT,
    clock,
    random: seededRandom(4),
    handler: async (req) => {
      if (req.method !== 'POST' || req.path.join('/') !== 'bs') return { code: '4.04' };
      bsAt.push(clock.now());
      const peer: PeerAddress = req.peer;
      setImmediate(() => {
        void (async () => {
          const sec = `[{"bn":"/0/1/","n":"0","vs":"coap://mem:${regT.port}"},{"n":"1","vb":false},{"n":"2","v":3},{"n":"10","v":1}]`;
          await bs.request(peer, { method: 'PUT', path: '/0/1', contentFormat: ContentFormat.SenmlJson, payload: enc(sec) });
          await bs.request(peer, { method: 'PUT', path: '/1/0', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/1/0/","n":"0","v":1},{"n":"1","v":300},{"n":"7","vs":"U"}]') });
          await bs.request(peer, { method: 'POST', path: '/bs' });
        })();
      });
      return { code: '2.04' };
    },
  });
  const connector = async (t: { port: number }) => ({ transport: net.transport(), peer: { address: 'mem', port: t.port } });
  const close = async (): Promise<void> => {
    await bs.close();
    await registrar.close();
  };
  return { clock, bsAt, bsUri: `coap://mem:${bsT.port}`, connector, close };
}

async function drive(clock: FakeClock, until: Promise<unknown>, stepMs = 50): Promise<void> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  for (let i = 0; i < 10_000 && !done; i++) {
    clock.advance(stepMs);
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
  }
}

describe('runSimulation on a FakeClock', () => {
  it('starts devices at the given rate', async () => {
    const w = world();
    const progress: SimulationProgress[] = [];
    const run = runSimulation({
      devices: 6,
      rate: 2,
      bootstrapUri: w.bsUri,
      clock: w.clock,
      random: seededRandom(9),
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 1000,
      device: { connector: w.connector },
      credentials: () => ({ identity: 'unused', key: new Uint8Array() }),
    });
    await drive(w.clock, run);
    const result = await run;
    await w.close();
    expect(result).toMatchObject({ total: 6, bootstrapped: 6, registered: 6, failed: 0 });
    expect(w.bsAt).toHaveLength(6);
    // device i starts at i * 500 ms (the driver steps the clock by 50 ms)
    w.bsAt.forEach((t, i) => {
      expect(t).toBeGreaterThanOrEqual(i * 500);
      expect(t).toBeLessThan(i * 500 + 100);
    });
    const mid = progress.find((p) => !p.done && p.elapsedMs >= 1000 && p.elapsedMs < 2000);
    expect(mid?.started).toBeGreaterThanOrEqual(2);
    expect(mid?.started).toBeLessThanOrEqual(4);
    expect(progress.at(-1)?.done).toBe(true);
  });

  it('stops starting devices when aborted', async () => {
    const w = world();
    const ac = new AbortController();
    const run = runSimulation({
      devices: 10,
      rate: 1,
      bootstrapUri: w.bsUri,
      clock: w.clock,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.started >= 3) ac.abort();
      },
      progressIntervalMs: 100,
      device: { connector: w.connector },
      credentials: () => ({ identity: 'unused', key: new Uint8Array() }),
    });
    await drive(w.clock, run);
    const result = await run;
    await w.close();
    expect(result.bootstrapped).toBeGreaterThanOrEqual(3);
    expect(result.bootstrapped).toBeLessThan(10);
    expect(w.bsAt.length).toBe(result.bootstrapped);
  });

  it('uses the credentials returned by provision() for the bootstrap session', async () => {
    const w = world();
    const identities: string[] = [];
    const run = runSimulation({
      devices: 2,
      prefix: 'pv-',
      bootstrapUri: w.bsUri.replace('coap://', 'coaps://'),
      clock: w.clock,
      provision: async (eps) => new Map(eps.map((ep) => [ep, { identity: `${ep}-given`, key: new Uint8Array([1]) }])),
      device: {
        connector: async (t) => {
          if (t.scheme === 'coaps') identities.push(t.identity ?? '');
          return w.connector({ port: t.port });
        },
      },
    });
    await drive(w.clock, run);
    const result = await run;
    await w.close();
    expect(result.bootstrapped).toBe(2);
    expect(identities.sort()).toEqual(['pv-1-given', 'pv-2-given']);
  });

  it('rejects bad options', async () => {
    await expect(runSimulation({ devices: -1, bootstrapUri: 'coap://x' })).rejects.toMatchObject({ code: 'SIM_BAD_OPTIONS' });
    await expect(runSimulation({ devices: 1, rate: 0, bootstrapUri: 'coap://x' })).rejects.toMatchObject({ code: 'SIM_BAD_OPTIONS' });
    await expect(runSimulation({ devices: 1, bootstrapUri: 'http://x' })).rejects.toMatchObject({ code: 'SIM_BAD_URI' });
  });
});
