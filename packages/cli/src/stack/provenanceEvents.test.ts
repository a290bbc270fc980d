import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootstrapEventMap } from '@chainm2m/bootstrap-server';
import { InMemorySecurityStore, TypedEmitter } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { ProvenanceRecorder, RecordSigner } from '@chainm2m/provenance';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordAnomaly, recordBootstrapSessions, recordEndpointChanges } from './provenanceEvents.js';

describe('provenance of bootstrap sessions and endpoint changes', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a bootstrap session is one transaction in order; refusals and endpoint changes are records', async () => {
    dir = mkdtempSync(join(tmpdir(), 'prov-events-'));
    const rec = await ProvenanceRecorder.open({ dir, signer: RecordSigner.generate() });
    const security = new InMemorySecurityStore([{ ...makeSecurityInfo('bs-dev-1'), clearance: 2 }]);
    const events = new TypedEmitter<BootstrapEventMap>();
    recordBootstrapSessions(events, rec, security, () => {});
    const off = recordEndpointChanges(security, rec, () => {});
    const peer = { address: '127.0.0.1', port: 56830 };
    const ref = { sessionId: 'bs-1', endpoint: 'bs-dev-1', peer, identity: 'bs-dev-1-bs' };
    events.emit('started', { ...ref, pct: [112], at: Date.now() });
    events.emit('step', { ...ref, operation: 'bootstrap-delete', path: '/0', attempt: 1, result: '2.02', durationMs: 3 });
    events.emit('step', { ...ref, operation: 'bootstrap-write', path: '/0/1', contentFormat: 11542, attempt: 1, result: '2.04', durationMs: 4 });
    events.emit('step', { ...ref, operation: 'bootstrap-finish', path: '/bs', attempt: 1, result: '2.04', durationMs: 2 });
    events.emit('finished', { ...ref, durationMs: 12, steps: 3 });
    events.emit('unauthorized', { endpoint: 'intruder', peer, reason: 'unknown-endpoint', code: '4.00', at: Date.now() });
    await security.add({ ...makeSecurityInfo('bs-dev-2'), clearance: 4 });
    await security.remove('bs-dev-2', true);
    recordAnomaly(rec, { endpoint: 'bs-dev-1', kind: 'temperature-out-of-range', value: '81.5 C' }, () => {});
    await vi.waitFor(() => expect(rec.lastSeq).toBe(9), { timeout: 5_000, interval: 10 });
    const first = rec.list({}).items.find((r) => r.operation === 'bootstrap');
    expect(first).toMatchObject({ operation: 'bootstrap', action: 'begin', sender: 'endpoint:bs-dev-1', senderClearance: 2, valid: true });
    expect(rec.transaction(first?.tx as string).map((r) => [r.action, r.operation, r.outcome, r.valid])).toEqual([
      ['begin', 'bootstrap', null, true],
      ['continue', 'bootstrap-delete', '2.02', true],
      ['continue', 'bootstrap-write', '2.04', true],
      ['continue', 'bootstrap-finish', '2.04', true],
      ['end', 'bootstrap-finished', '2.04', true],
    ]);
    const rest = rec.list({}).items.map((r) => [r.operation, r.receiver, r.outcome]);
    expect(rest).toEqual(
      expect.arrayContaining([
        ['bootstrap-refused.unknown-endpoint', 'server', '4.00'],
        ['endpoint.added', 'endpoint:bs-dev-2', null],
        ['endpoint.removed.compromised', 'endpoint:bs-dev-2', null],
        ['anomaly.temperature-out-of-range', 'endpoint:bs-dev-1', null],
      ]),
    );
    off();
    await rec.close();
  });
});
