import { describe, expect, it } from 'vitest';
import { FakeClock, InMemoryAnomalyLog, InMemorySecurityStore, type AnomalyLog } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { reportBootstrapAnomalies, unauthorizedAnomaly } from './BootstrapAnomalyReporter.js';
import type { BootstrapEventMap } from './BootstrapEvents.js';
import { TypedEmitter } from '@chainm2m/lwm2m';

const devA = makeSecurityInfo('anom-a');
const devB = makeSecurityInfo('anom-b');
const peer = { address: '127.0.0.1', port: 40000 };

function setup(log: AnomalyLog = new InMemoryAnomalyLog()) {
  const events = new TypedEmitter<BootstrapEventMap>();
  const clock = new FakeClock(0);
  const reporter = reportBootstrapAnomalies({ events, log, securityStore: new InMemorySecurityStore([devA, devB]), clock, unixNow: () => 1_700_000_000, windowMs: 60_000 });
  return { events, clock, reporter, log };
}

describe('reportBootstrapAnomalies', () => {
  it('writes a refused Bootstrap-Request as an anomaly of the device that asked', async () => {
    const { events, reporter, log } = setup();
    events.emit('unauthorized', { endpoint: 'anom-a', peer, identity: 'anom-b-bs', identityEndpoint: 'anom-b', reason: 'identity-mismatch', code: '4.03', at: 0 });
    await reporter.flush();
    const { items } = await log.query({});
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      endpoint: 'anom-b',
      collectedAt: 1_700_000_000,
      severity: 192,
      kind: 'unauthorized-bootstrap',
      value: 'identity-mismatch (4.03); requested ep=anom-a; identity=anom-b-bs; from 127.0.0.1:40000',
    });
  });

  it('attributes a NoSec refusal to the requested endpoint', () => {
    const a = unauthorizedAnomaly({ endpoint: 'anom-a', peer, reason: 'psk-required', code: '4.03', at: 0 }, 5);
    expect(a).toMatchObject({ endpoint: 'anom-a', severity: 128, collectedAt: 5 });
    expect(a.value).not.toContain('identity=');
  });

  it('writes a failed handshake with a known identity (wrong key) under its endpoint, never the key', async () => {
    const { events, reporter, log } = setup();
    events.emit('handshakeFailed', { peer, identity: 'anom-a-bs', reason: 'bad Finished (wrong key?)', at: 0 });
    events.emit('handshakeFailed', { peer, identity: 'nobody', reason: 'unknown identity', at: 0 });
    events.emit('handshakeFailed', { peer, reason: 'timeout', at: 0 });
    await reporter.flush();
    const { items } = await log.query({});
    expect(items.map((i) => [i.endpoint, i.kind, i.severity])).toEqual([['anom-a', 'bootstrap-handshake-failed', 160]]);
    expect(JSON.stringify(items)).not.toContain(Buffer.from(devA.bootstrap.key).toString('hex'));
    expect(reporter.stats()).toMatchObject({ appended: 1, unattributed: 2 });
  });

  it('rate-limits repeats from the same source per window, then reports again', async () => {
    const { events, reporter, log, clock } = setup();
    const e = { endpoint: 'ghost', peer, identity: 'anom-a-bs', identityEndpoint: 'anom-a', reason: 'unknown-endpoint' as const, code: '4.00' as const, at: 0 };
    for (let i = 0; i < 50; i++) events.emit('unauthorized', e);
    clock.advance(59_999);
    events.emit('unauthorized', e);
    clock.advance(1);
    events.emit('unauthorized', e);
    events.emit('unauthorized', { ...e, peer: { address: '10.0.0.9', port: 1 } });
    await reporter.flush();
    expect(await log.count()).toBe(3);
    expect(reporter.stats()).toMatchObject({ appended: 3, suppressed: 50 });
  });

  it('writes a failed session as a bootstrap-failed anomaly of its endpoint, one per step and code a window', async () => {
    const { events, reporter, log, clock } = setup();
    const failed = {
      sessionId: 'bs-1',
      endpoint: 'anom-a',
      peer,
      identity: 'anom-a-bs',
      reason: 'Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum)',
      operation: 'bootstrap-write' as const,
      path: '/1/0',
      code: '4.00',
      diagnostic: 'lifetime below the minimum',
      durationMs: 40,
      steps: 5,
      at: 0,
    };
    for (let i = 0; i < 10; i++) events.emit('failed', failed);
    events.emit('failed', { ...failed, operation: 'bootstrap-discover', path: '/0', code: 'timeout', reason: 'no response to Bootstrap-Discover /0 after 2 attempts' });
    // ended by us or superseded by the device's own new request: not the device's failure
    events.emit('failed', { sessionId: 'bs-2', endpoint: 'anom-b', peer, reason: 'server closing', durationMs: 1, steps: 0, at: 0 });
    events.emit('failed', { sessionId: 'bs-3', endpoint: 'anom-b', peer, reason: 'superseded by a new Bootstrap-Request', durationMs: 1, steps: 0, at: 0 });
    // a device that went away mid-session is
    events.emit('failed', { sessionId: 'bs-4', endpoint: 'anom-b', peer, reason: 'DTLS session closed (close_notify)', durationMs: 1, steps: 1, at: 0 });
    await reporter.flush();
    const { items } = await log.query({});
    expect(items.map((i) => [i.endpoint, i.kind, i.severity, i.value])).toEqual([
      ['anom-a', 'bootstrap-failed', 112, 'Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum); code=4.00; identity=anom-a-bs; from 127.0.0.1:40000'],
      ['anom-a', 'bootstrap-failed', 112, 'no response to Bootstrap-Discover /0 after 2 attempts; code=timeout; identity=anom-a-bs; from 127.0.0.1:40000'],
      ['anom-b', 'bootstrap-failed', 112, 'DTLS session closed (close_notify); from 127.0.0.1:40000'],
    ]);
    expect(reporter.stats()).toMatchObject({ appended: 3, suppressed: 9 });
    clock.advance(60_000);
    events.emit('failed', failed);
    await reporter.flush();
    expect(await log.count()).toBe(4);
  });

  it('a failing log is counted, never thrown; stop() unsubscribes', async () => {
    const broken: AnomalyLog = {
      append: () => Promise.reject(new Error('chain down')),
      appendMany: () => Promise.reject(new Error('chain down')),
      count: async () => 0,
      query: async () => ({ items: [] }),
    };
    const { events, reporter } = setup(broken);
    events.emit('unauthorized', { endpoint: 'anom-a', peer, reason: 'unknown-identity', code: '4.03', at: 0 });
    await reporter.flush();
    expect(reporter.stats().errors).toBe(1);
    reporter.stop();
    events.emit('unauthorized', { endpoint: 'anom-b', peer, reason: 'unknown-identity', code: '4.03', at: 0 });
    await reporter.flush();
    expect(reporter.stats()).toMatchObject({ errors: 1, appended: 0 });
  });
});
