import { AnomalyReporter, FakeClock, InMemoryAnomalyLog, InMemorySecurityStore } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { Lwm2mServerEvents } from '../events/ServerEvents.js';
import { securityInfo } from '../testing/fixtures.js';
import { HANDSHAKE_FAILED_KIND, reportHandshakeFailures } from './reportHandshakeFailures.js';

describe('reportHandshakeFailures', () => {
  it('attributes a failure to the endpoint of its identity, others to (unknown); repeats are suppressed', async () => {
    const log = new InMemoryAnomalyLog();
    const reporter = new AnomalyReporter({ log, clock: new FakeClock() });
    const events = new Lwm2mServerEvents();
    const store = new InMemorySecurityStore([securityInfo('meter-17')]);
    const identity = (await store.getByEndpoint('meter-17'))?.server.identity as string;
    reportHandshakeFailures({ events, reporter, securityStore: store });
    const at = Date.parse('2026-12-04T18:00:00Z');
    const peer = { address: '198.51.100.7', port: 50123 };
    events.emit('handshakeFailed', { peer, identity, reason: 'client Finished does not authenticate (wrong key?)', at });
    events.emit('handshakeFailed', { peer, identity, reason: 'client Finished does not authenticate (wrong key?)', at });
    events.emit('handshakeFailed', { peer, identity: 'nobody', reason: 'unknown PSK identity', at });
    events.emit('handshakeFailed', { peer, reason: 'handshake timeout', at });
    await new Promise((r) => setTimeout(r, 10));
    await reporter.flush();
    const { items } = await log.query({ limit: 10 });
    expect(items.map((a) => [a.endpoint, a.kind, a.value]).sort()).toEqual([
      ['(unknown)', HANDSHAKE_FAILED_KIND, 'handshake timeout; from 198.51.100.7:50123'],
      ['(unknown)', HANDSHAKE_FAILED_KIND, 'unknown PSK identity; identity=nobody; from 198.51.100.7:50123'],
      ['meter-17', HANDSHAKE_FAILED_KIND, `client Finished does not authenticate (wrong key?); identity=${identity}; from 198.51.100.7:50123`],
    ]);
    expect(reporter.stats()).toMatchObject({ appended: 3, suppressed: 1 });
  });
});
