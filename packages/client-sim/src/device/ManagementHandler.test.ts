import { ContentFormat, FakeClock, type CoapRequest, type CoapResponse, type ObserveRegistration } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { SimObjectTree } from '../model/SimObjectTree.js';
import { SIM_OBJECT_IDS } from '../model/simObjects.js';
import { FormatPolicy } from './FormatPolicy.js';
import { ManagementHandler } from './ManagementHandler.js';
import { Scheduler } from './Scheduler.js';

function get(path: string): CoapRequest {
  return {
    method: 'GET',
    path: path.split('/').filter((s) => s !== ''),
    query: [],
    observe: 0,
    accept: ContentFormat.Text,
    payload: new Uint8Array(),
    token: new Uint8Array([9]),
    confirmable: true,
    peer: { address: '127.0.0.1', port: 1 },
    security: {},
  };
}

/** An observation whose notifications complete only when the test says so (a CON awaiting its ACK). */
function slowRegistration() {
  const sent: string[] = [];
  const pending: Array<() => void> = [];
  const reg: ObserveRegistration = {
    peer: { address: '127.0.0.1', port: 1 },
    path: [],
    token: new Uint8Array([9]),
    active: true,
    accept: () => undefined,
    notify: (r: CoapResponse) => {
      sent.push(new TextDecoder().decode(r.payload));
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    onCancel: () => undefined,
    cancel: () => undefined,
  };
  return { reg, sent, pending };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('ManagementHandler observations', () => {
  it('does not poll while a notification is in flight, and sends the latest value once it is out', async () => {
    const clock = new FakeClock(0);
    const tree = new SimObjectTree(SIM_OBJECT_IDS);
    tree.set(3311, 0, 5851, 1);
    const handler = new ManagementHandler({ tree, formats: new FormatPolicy(), clock, scheduler: new Scheduler(clock), sampleMs: 1000 });
    tree.onChange((o, i, r) => handler.changed(o, i, r));
    const { reg, sent, pending } = slowRegistration();
    const res = await handler.handle(get('/3311/0/5851'), { observe: reg });
    expect(res.code).toBe('2.05');

    tree.set(3311, 0, 5851, 2);
    await flush();
    expect(sent).toEqual(['2']);
    tree.set(3311, 0, 5851, 3); // while '2' is still unacknowledged
    await flush();
    clock.advance(10_000); // nothing is scheduled meanwhile (this used to spin)
    expect(clock.pending).toBe(0);
    expect(sent).toEqual(['2']);
    pending.shift()?.();
    await flush();
    expect(sent).toEqual(['2', '3']);
  });

  it('pmax=0 means no maximum period (no notification storm)', async () => {
    const clock = new FakeClock(0);
    const tree = new SimObjectTree(SIM_OBJECT_IDS);
    tree.set(3311, 0, 5851, 1);
    const handler = new ManagementHandler({ tree, formats: new FormatPolicy(), clock, scheduler: new Scheduler(clock), sampleMs: 1000 });
    const attrs: CoapRequest = { ...get('/3311/0/5851'), method: 'PUT', query: ['pmax=0'], observe: undefined, accept: undefined };
    expect((await handler.handle(attrs, {})).code).toBe('2.04');
    const { reg, sent, pending } = slowRegistration();
    await handler.handle(get('/3311/0/5851'), { observe: reg });
    clock.advance(60_000);
    await flush();
    expect(sent).toEqual([]);
    expect(pending).toEqual([]);
  });
});
