import { ContentFormat } from '@chainm2m/lwm2m';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deriveSimCredentials,
  formatSimulationProgress,
  formatSimulationSummary,
  runSimulation,
  simulationEndpoints,
  type SimulationProgress,
} from '../../src/index.js';
import { bootstrapDriver, enc, registrar, type TestServer } from './testServers.js';

describe('runSimulation against DTLS test peers', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('bootstraps and registers N devices with a concurrency cap, reports progress and p50/p99', async () => {
    const n = 24;
    const endpoints = simulationEndpoints('t-', n);
    const bsKeys: Record<string, Uint8Array> = {};
    const srvKeys: Record<string, Uint8Array> = {};
    for (const ep of endpoints) {
      const c = deriveSimCredentials(ep);
      bsKeys[c.bootstrap.identity] = c.bootstrap.key;
      srvKeys[c.server.identity] = c.server.key;
    }
    const reg = await registrar(srvKeys);
    servers.push(reg);
    const bs = await bootstrapDriver(bsKeys, (ep) => {
      const c = deriveSimCredentials(ep).server;
      return [
        { step: 'delete', req: { method: 'DELETE', path: '/' } },
        {
          step: 'write /0/1',
          req: {
            method: 'PUT',
            path: '/0/1',
            contentFormat: ContentFormat.SenmlJson,
            payload: enc(
              JSON.stringify([
                { bn: '/0/1/', n: '0', vs: `coaps://127.0.0.1:${reg.port}` },
                { n: '1', vb: false },
                { n: '2', v: 0 },
                { n: '3', vd: Buffer.from(c.identity).toString('base64url') },
                { n: '5', vd: Buffer.from(c.key).toString('base64url') },
                { n: '10', v: 1 },
              ]),
            ),
          },
        },
        {
          step: 'write /1/0',
          req: { method: 'PUT', path: '/1/0', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/1/0/","n":"0","v":1},{"n":"1","v":300},{"n":"7","vs":"U"}]') },
        },
        { step: 'finish', req: { method: 'POST', path: '/bs' } },
      ];
    });
    servers.push(bs);

    let provisioned: readonly string[] = [];
    const progress: SimulationProgress[] = [];
    const result = await runSimulation({
      devices: n,
      prefix: 't-',
      bootstrapUri: `coaps://127.0.0.1:${bs.port}`,
      concurrency: 6,
      provision: async (eps) => {
        provisioned = eps;
      },
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 50,
      keepRunning: true,
    });
    expect(provisioned).toEqual(endpoints);
    expect(result).toMatchObject({ total: n, bootstrapped: n, registered: n, failed: 0, errors: {} });
    expect(result.bootstrapMs.n).toBe(n);
    expect(result.registerMs.n).toBe(n);
    expect(result.bootstrapMs.p99).toBeGreaterThanOrEqual(result.bootstrapMs.p50);
    expect(progress.at(-1)).toMatchObject({ done: true, started: n, registered: n, inFlight: 0 });
    expect(progress.every((p) => p.inFlight <= 6)).toBe(true);
    expect(formatSimulationProgress(progress.at(-1) as SimulationProgress)).toMatch(/^sim 24\/24 started · 24 bootstrapped · 24 registered · 0 failed · /);
    expect(formatSimulationSummary(result)[0]).toMatch(/^24 devices: 24 bootstrapped, 24 registered, 0 failed in /);

    // every endpoint registered once, with its own server identity
    const regs = reg.requests.filter((r) => r.method === 'POST' && r.path.join('/') === 'rd');
    expect(new Set(regs.map((r) => r.query[0])).size).toBe(n);
    for (const r of regs) expect(r.security.pskIdentity).toBe(`${r.query[0]?.slice(3)}-srv`);
    expect(result.devices).toHaveLength(n);
    await result.stop({ deregister: true });
    expect(reg.requests.filter((r) => r.method === 'DELETE')).toHaveLength(n);
  });

  it('counts failures by code (unknown bootstrap identity) without throwing', async () => {
    const bs = await bootstrapDriver({}, () => []);
    servers.push(bs);
    const result = await runSimulation({
      devices: 3,
      bootstrapUri: `coaps://127.0.0.1:${bs.port}`,
      device: { requestTimeoutMs: 2000 },
    });
    expect(result).toMatchObject({ total: 3, bootstrapped: 0, registered: 0, failed: 3 });
    expect(Object.values(result.errors).reduce((a, b) => a + b, 0)).toBe(3);
    expect(formatSimulationSummary(result).at(-1)).toMatch(/^failures: /);
  });
});
