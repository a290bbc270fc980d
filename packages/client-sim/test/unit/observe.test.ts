import { ContentFormat, type ClientResponse } from '@chainm2m/lwm2m';
import { afterEach, describe, expect, it } from 'vitest';
import { dec, enc, registeredDevice } from '../harness.js';

type Harness = Awaited<ReturnType<typeof registeredDevice>>;
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('SimDevice Observe (server side) with pmin/pmax/st on a FakeClock', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function step(ms: number): Promise<void> {
    h!.clock.advance(ms);
    await flush();
  }

  it('notifies on change no sooner than pmin, at least every pmax, and stops on cancel', async () => {
    h = await registeredDevice({}, 3600);
    expect((await h.request({ method: 'PUT', path: '/3311/0/5851', query: ['pmin=5', 'pmax=20'] })).code).toBe('2.04');
    const notes: Array<{ at: number; value: string }> = [];
    const obs = await h.server.observe(h.peer, { method: 'GET', path: '/3311/0/5851' }, (r: ClientResponse) =>
      notes.push({ at: h!.clock.now(), value: dec(r.payload) }),
    );
    expect(obs.response.code).toBe('2.05');
    expect(obs.response.observe).toBeDefined();
    expect(dec(obs.response.payload)).toBe('100');
    expect(h.device.observationCount).toBe(1);

    await step(19_000);
    expect(notes).toEqual([]);
    await step(1_000);
    expect(notes).toEqual([{ at: 20_000, value: '100' }]); // pmax without change

    await step(1_000);
    h.device.objects.set(3311, 0, 5851, 10); // t=21 s, within pmin of the last notification
    await flush();
    expect(notes).toHaveLength(1);
    await step(3_000);
    expect(notes).toHaveLength(1);
    await step(1_000); // t=25 s = last + pmin
    expect(notes.at(-1)).toEqual({ at: 25_000, value: '10' });

    await obs.cancel(true);
    await flush();
    expect(h.device.observationCount).toBe(0);
    h.device.objects.set(3311, 0, 5851, 11);
    await step(60_000);
    expect(notes).toHaveLength(2);
  });

  it('honours st (step) on numeric resources', async () => {
    h = await registeredDevice({}, 3600);
    expect((await h.request({ method: 'PUT', path: '/3311/0/5851', query: ['st=10'] })).code).toBe('2.04');
    const values: string[] = [];
    await h.server.observe(h.peer, { method: 'GET', path: '/3311/0/5851' }, (r) => values.push(dec(r.payload)));
    h.device.objects.set(3311, 0, 5851, 95);
    await step(1_000);
    expect(values).toEqual([]);
    h.device.objects.set(3311, 0, 5851, 85);
    await step(1_000);
    expect(values).toEqual(['85']);
  });

  it('samples time-varying values: the temperature changes over the clock and is notified in SenML-JSON', async () => {
    h = await registeredDevice({}, 3600);
    expect((await h.request({ method: 'PUT', path: '/3303/0/5700', query: ['pmin=1'] })).code).toBe('2.04');
    const values: number[] = [];
    const obs = await h.server.observe(h.peer, { method: 'GET', path: '/3303/0/5700', accept: ContentFormat.SenmlJson }, (r) => {
      expect(r.contentFormat).toBe(ContentFormat.SenmlJson);
      const rec = JSON.parse(dec(r.payload)) as Array<{ v: number }>;
      values.push(rec[0]?.v ?? NaN);
    });
    expect(obs.response.code).toBe('2.05');
    for (let i = 0; i < 120; i++) await step(1_000);
    expect(values.length).toBeGreaterThan(3);
    expect(values.length).toBeLessThanOrEqual(120);
    for (let i = 1; i < values.length; i++) expect(values[i]).not.toBe(values[i - 1]);
    for (const v of values) {
      expect(v).toBeGreaterThan(10);
      expect(v).toBeLessThan(30);
    }
  });

  it('notifies an observed instance on Write and Execute', async () => {
    h = await registeredDevice({}, 3600);
    const notes: string[] = [];
    await h.server.observe(h.peer, { method: 'GET', path: '/3311/0', accept: ContentFormat.SenmlJson }, (r) => notes.push(dec(r.payload)));
    expect((await h.request({ method: 'PUT', path: '/3311/0/5706', contentFormat: ContentFormat.Text, payload: enc('#123456') })).code).toBe('2.04');
    await flush();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('#123456');
  });

  it('Observe-Composite notifies when any of its paths changes', async () => {
    h = await registeredDevice({}, 3600);
    const notes: string[] = [];
    const obs = await h.server.observe(
      h.peer,
      { method: 'FETCH', path: '/', contentFormat: ContentFormat.SenmlJson, accept: ContentFormat.SenmlJson, payload: enc('[{"n":"/3311/0/5851"},{"n":"/3/0/9"}]') },
      (r) => notes.push(dec(r.payload)),
    );
    expect(obs.response.code).toBe('2.05');
    expect(JSON.parse(dec(obs.response.payload))).toEqual([
      { bn: '/', n: '3311/0/5851', v: 100 },
      { n: '3/0/9', v: 95 },
    ]);
    h.device.objects.set(3, 0, 9, 80);
    await flush();
    expect(notes).toHaveLength(1);
    expect(JSON.parse(notes[0] as string)).toEqual([
      { bn: '/', n: '3311/0/5851', v: 100 },
      { n: '3/0/9', v: 80 },
    ]);
    h.device.objects.set(3303, 0, 5750, 'elsewhere');
    await step(10_000);
    expect(notes).toHaveLength(1);
  });

  it('ends an observation with 4.04 when its instance is deleted', async () => {
    h = await registeredDevice({}, 3600);
    expect((await h.request({ method: 'POST', path: '/3303', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/3303/1/","n":"5750","vs":"x"}]') })).code).toBe('2.01');
    const codes: string[] = [];
    const obs = await h.server.observe(h.peer, { method: 'GET', path: '/3303/1/5750' }, (r) => codes.push(r.code));
    const ended: string[] = [];
    obs.onEnd((reason) => ended.push(reason));
    expect((await h.request({ method: 'DELETE', path: '/3303/1' })).code).toBe('2.02');
    await flush();
    expect(h.device.observationCount).toBe(0);
    expect(codes).toEqual(['4.04']);
    expect(ended).toEqual(['ended']);
    expect(obs.active).toBe(false);
  });
});
