import { describe, expect, it } from 'vitest';
import type { ClientView } from '../api/types.js';
import { applyEvents, deviceState, fleetFromClients } from './fleet.js';

const NOW = Date.parse('2026-12-04T18:20:00Z');

function client(endpoint: string, over: Partial<ClientView> = {}): ClientView {
  return {
    endpoint,
    registrationId: `r-${endpoint}`,
    lifetime: 300,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    rootPath: '/',
    objectLinks: [{ path: '/3/0' }, { path: '/3303/0' }],
    address: '127.0.0.1:40123',
    secure: true,
    identity: endpoint,
    registeredAt: new Date(NOW - 60_000).toISOString(),
    lastUpdateAt: new Date(NOW - 60_000).toISOString(),
    ...over,
  };
}

describe('fleet state', () => {
  it('derives online, sleeping and offline from lifetime, queue mode and deregistration', () => {
    const fleet = fleetFromClients([client('a'), client('q', { queueMode: true, binding: 'UQ' }), client('old', { lastUpdateAt: new Date(NOW - 400_000).toISOString() })], NOW);
    const state = (ep: string) => deviceState(fleet.devices.get(ep)!, NOW);
    expect(state('a')).toBe('online');
    expect(state('q')).toBe('sleeping');
    expect(state('old')).toBe('offline');
    const after = applyEvents(fleet, [{ type: 'deregistration', endpoint: 'a', data: { reason: 'deregistered' } }], NOW);
    expect(deviceState(after.devices.get('a')!, NOW)).toBe('offline');
    expect(deviceState(fleet.devices.get('a')!, NOW)).toBe('online');
  });

  it('applies 10,000 devices and a batch of 100 notifications with one copy of the map', () => {
    const clients = Array.from({ length: 10_000 }, (_, i) => client(`dev-${String(i).padStart(5, '0')}`));
    const fleet = fleetFromClients(clients, NOW);
    const batch = Array.from({ length: 100 }, (_, i) => ({ type: 'notification', endpoint: `dev-${String(i * 7).padStart(5, '0')}`, data: { paths: ['/3303/0/5700'] } }));
    const next = applyEvents(fleet, batch, NOW + 5_000);
    expect(next.version).toBe(fleet.version + 1);
    expect(next.devices.size).toBe(10_000);
    expect(next.devices.get('dev-00007')!.lastSeen).toBe(NOW + 5_000);
    expect(next.devices.get('dev-00001')!.lastSeen).toBe(fleet.devices.get('dev-00001')!.lastSeen);
  });

  it('adds a device on registration and counts activity per minute', () => {
    const next = applyEvents(
      fleetFromClients([], NOW),
      [
        { type: 'registration', endpoint: 'new-1', data: { registrationId: 'x1', lifetime: 86_400, binding: 'UQ', address: '127.0.0.1:5000' } },
        { type: 'bootstrap-failed', endpoint: 'bad-1', data: { step: 'write /0' } },
      ],
      NOW,
    );
    expect(next.devices.get('new-1')!.client).toMatchObject({ registrationId: 'x1', lifetime: 86_400, binding: 'UQ' });
    expect(next.activity).toEqual([{ minute: Math.floor(NOW / 60_000), ok: 1, failed: 1 }]);
  });
});
