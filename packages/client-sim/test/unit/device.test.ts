import { ContentFormat } from '@chainm2m/lwm2m';
import { afterEach, describe, expect, it } from 'vitest';
import { dec, enc, hex, registeredDevice, toHex } from '../harness.js';

type Harness = Awaited<ReturnType<typeof registeredDevice>>;

describe('SimDevice device management over CoapEndpoint on an in-memory link', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('decodes writes in every format (hand-made payloads)', async () => {
    h = await registeredDevice();
    // TLV, instance-level partial update: 5706 = "#FF0000", 5851 = 40
    let res = await h.request({ method: 'POST', path: '/3311/0', contentFormat: ContentFormat.Tlv, payload: hex('e7164a 23464630303030 e116db 28') });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5706)).toBe('#FF0000');
    expect(h.device.objects.get(3311, 0, 5851)).toBe(40);
    // SenML-JSON
    res = await h.request({ method: 'PUT', path: '/3311/0/5851', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/3311/0/5851","v":41}]') });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5851)).toBe(41);
    // SenML-CBOR: [{-2: "/3311/0/5851", 2: 55}]
    res = await h.request({ method: 'PUT', path: '/3311/0/5851', contentFormat: ContentFormat.SenmlCbor, payload: hex('81a2216c2f333331312f302f35383531021837') });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5851)).toBe(55);
    // LwM2M JSON
    res = await h.request({ method: 'POST', path: '/3311/0', contentFormat: ContentFormat.Json, payload: enc('{"bn":"/3311/0/","e":[{"n":"5706","sv":"#00FF00"},{"n":"5850","bv":true}]}') });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5706)).toBe('#00FF00');
    expect(h.device.objects.get(3311, 0, 5850)).toBe(true);
    // text
    res = await h.request({ method: 'PUT', path: '/3311/0/5851', contentFormat: ContentFormat.Text, payload: enc('75') });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5851)).toBe(75);
    // malformed payloads are 4.00, never a crash
    for (const [cf, payload] of [
      [ContentFormat.Tlv, hex('e8ff')],
      [ContentFormat.SenmlJson, enc('{not json')],
      [ContentFormat.SenmlCbor, hex('ff00')],
      [ContentFormat.Text, enc('12x')],
    ] as const) {
      const r = await h.request({ method: 'PUT', path: '/3311/0/5851', contentFormat: cf, payload });
      expect(r.code).toBe('4.00');
    }
    expect(h.device.objects.get(3311, 0, 5851)).toBe(75);
  });

  it('reads in TLV, SenML-JSON, SenML-CBOR and text per Accept', async () => {
    h = await registeredDevice();
    h.device.objects.set(3311, 0, 5851, 40);
    let res = await h.request({ method: 'GET', path: '/3311/0/5851', accept: ContentFormat.Tlv });
    expect(res.contentFormat).toBe(ContentFormat.Tlv);
    expect(toHex(res.payload)).toBe('e116db28');
    res = await h.request({ method: 'GET', path: '/3311/0/5851' });
    expect(res.contentFormat).toBe(ContentFormat.Text);
    expect(dec(res.payload)).toBe('40');
    res = await h.request({ method: 'GET', path: '/3311/0/5851', accept: ContentFormat.SenmlCbor });
    expect(toHex(res.payload)).toBe('81a2216c2f333331312f302f35383531021828');
    res = await h.request({ method: 'GET', path: '/3/0/6', accept: ContentFormat.SenmlJson });
    expect(JSON.parse(dec(res.payload))).toEqual([
      { bn: '/3/0/6/', n: '0', v: 1 },
      { n: '1', v: 5 },
    ]);
    res = await h.request({ method: 'GET', path: '/3/0', accept: ContentFormat.Tlv });
    expect(res.code).toBe('2.05');
    // Manufacturer first: resource 0, 8 bytes "chainm2m"
    expect(toHex(res.payload.subarray(0, 3))).toBe('c80008');
    res = await h.request({ method: 'GET', path: '/0/0' });
    expect(res.code).toBe('4.01');
    res = await h.request({ method: 'GET', path: '/3/0/4' });
    expect(res.code).toBe('4.05');
    res = await h.request({ method: 'GET', path: '/3/7' });
    expect(res.code).toBe('4.04');
    res = await h.request({ method: 'GET', path: '/3/0/0', accept: 9999 });
    expect(res.code).toBe('4.06');
  });

  it('answers chosen formats with 4.15 or 4.00 and does not produce them', async () => {
    h = await registeredDevice({ rejectFormats: [ContentFormat.Tlv], rejectCode: '4.00' });
    let res = await h.request({ method: 'PUT', path: '/3311/0/5851', contentFormat: ContentFormat.Tlv, payload: hex('e116db28') });
    expect(res.code).toBe('4.00');
    res = await h.request({ method: 'GET', path: '/3311/0', accept: ContentFormat.Tlv });
    expect(res.code).toBe('4.06');
    res = await h.request({ method: 'PUT', path: '/3311/0/5851', contentFormat: ContentFormat.Text, payload: enc('30') });
    expect(res.code).toBe('2.04');
    const reg = h.serverRequests[0];
    expect(dec(reg?.payload ?? new Uint8Array())).toContain('ct="110 112 11543"');
    await h.close();
    h = await registeredDevice({ supportedFormats: [ContentFormat.Text, ContentFormat.SenmlJson] });
    res = await h.request({ method: 'PUT', path: '/3311/0/5851', contentFormat: ContentFormat.SenmlCbor, payload: hex('81a2216c2f333331312f302f35383531021837') });
    expect(res.code).toBe('4.15');
  });

  it('executes (reboot, reset min/max, toggle) and refuses non-executables', async () => {
    h = await registeredDevice();
    let res = await h.request({ method: 'POST', path: '/3/0/4' });
    expect(res.code).toBe('2.04');
    expect(h.device.reboots).toBe(1);
    res = await h.request({ method: 'POST', path: '/3303/0/5605', payload: enc("0='x'") });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5850)).toBe(false);
    res = await h.request({ method: 'POST', path: '/3311/0/5850' });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5850)).toBe(true);
    res = await h.request({ method: 'POST', path: '/3/0/0' });
    expect(res.code).toBe('4.05');
    res = await h.request({ method: 'POST', path: '/3/0/999' });
    expect(res.code).toBe('4.04');
    res = await h.request({ method: 'POST', path: '/3/0/4', payload: enc("0='a',1,2='b c'") });
    expect(res.code).toBe('2.04');
    res = await h.request({ method: 'POST', path: '/3/0/4', payload: enc('not args') });
    expect(res.code).toBe('4.00');
    expect(h.device.reboots).toBe(2);
    res = await h.request({ method: 'PUT', path: '/3/0/0', contentFormat: ContentFormat.Text, payload: enc('evil') });
    expect(res.code).toBe('4.05');
  });

  it('creates and deletes instances, discovers with attributes', async () => {
    h = await registeredDevice();
    let res = await h.request({ method: 'POST', path: '/3303', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/3303/1/","n":"5750","vs":"attic"}]') });
    expect(res.code).toBe('2.01');
    expect(res.locationPath).toEqual(['3303', '1']);
    expect(h.device.objects.get(3303, 1, 5750)).toBe('attic');
    res = await h.request({ method: 'POST', path: '/3303', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/3303/1/","n":"5750","vs":"again"}]') });
    expect(res.code).toBe('4.00');
    res = await h.request({ method: 'DELETE', path: '/3303/1' });
    expect(res.code).toBe('2.02');
    res = await h.request({ method: 'GET', path: '/3303/1' });
    expect(res.code).toBe('4.04');
    res = await h.request({ method: 'DELETE', path: '/3/0' });
    expect(res.code).toBe('4.05');

    res = await h.request({ method: 'PUT', path: '/3/0/9', query: ['pmin=10', 'pmax=60'] });
    expect(res.code).toBe('2.04');
    res = await h.request({ method: 'PUT', path: '/3/0/0', query: ['gt=5'] });
    expect(res.code).toBe('4.00');
    res = await h.request({ method: 'PUT', path: '/3/0/9', query: ['pmin=90'] });
    expect(res.code).toBe('4.00'); // pmax < pmin
    res = await h.request({ method: 'GET', path: '/3/0', accept: ContentFormat.Link });
    expect(res.code).toBe('2.05');
    const links = dec(res.payload);
    expect(links.startsWith('</3/0>,</3/0/0>')).toBe(true);
    expect(links).toContain('</3/0/6>;dim=2');
    expect(links).toContain('</3/0/9>;pmin=10;pmax=60');
    expect(links).toContain('</3/0/4>');
  });

  it('sends Updates before the lifetime ends, on the injected clock', async () => {
    h = await registeredDevice({}, 60);
    const count = () => h!.serverRequests.filter((r) => r.method === 'POST' && r.path.join('/') === 'rd/x1').length;
    h.clock.advance(53_000);
    await new Promise((r) => setImmediate(r));
    expect(count()).toBe(0);
    h.clock.advance(2_000);
    await new Promise((r) => setImmediate(r));
    expect(count()).toBe(1);
    h.clock.advance(54_000);
    await new Promise((r) => setImmediate(r));
    expect(count()).toBe(2);
    // the server shortens the lifetime: an Update with lt follows
    const res = await h.request({ method: 'PUT', path: '/1/0/1', contentFormat: ContentFormat.Text, payload: enc('30') });
    expect(res.code).toBe('2.04');
    await new Promise((r) => setImmediate(r));
    expect(h.serverRequests.at(-1)?.query).toEqual(['lt=30']);
    await h.device.deregister();
    expect(h.serverRequests.at(-1)?.method).toBe('DELETE');
    h.clock.advance(600_000);
    await new Promise((r) => setImmediate(r));
    expect(h.serverRequests.at(-1)?.method).toBe('DELETE');
  });

  it('serves Read-Composite (FETCH) and Write-Composite (IPATCH) in SenML', async () => {
    h = await registeredDevice();
    let res = await h.request({
      method: 'FETCH',
      path: '/',
      contentFormat: ContentFormat.SenmlJson,
      accept: ContentFormat.SenmlJson,
      payload: enc('[{"n":"/3/0/0"},{"n":"/3303/0/5701"},{"n":"/3/0/6"}]'),
    });
    expect(res.code).toBe('2.05');
    expect(JSON.parse(dec(res.payload))).toEqual([
      { bn: '/', n: '3/0/0', vs: 'chainm2m' },
      { n: '3303/0/5701', vs: 'Cel' },
      { n: '3/0/6/0', v: 1 },
      { n: '3/0/6/1', v: 5 },
    ]);
    res = await h.request({
      method: 'IPATCH',
      path: '/',
      contentFormat: ContentFormat.SenmlJson,
      payload: enc('[{"n":"/3311/0/5851","v":12},{"n":"/3311/0/5706","vs":"#010203"}]'),
    });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5851)).toBe(12);
    expect(h.device.objects.get(3311, 0, 5706)).toBe('#010203');
    res = await h.request({ method: 'IPATCH', path: '/', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"n":"/3/0/0","vs":"x"}]') });
    expect(res.code).toBe('4.05');
    res = await h.request({ method: 'FETCH', path: '/', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"n":"/0/0"}]') });
    expect(res.code).toBe('4.01');
    res = await h.request({ method: 'FETCH', path: '/', contentFormat: ContentFormat.Tlv, payload: new Uint8Array([1]) });
    expect(res.code).toBe('4.15');
  });

  it('registers again when an Update finds the registration gone (4.04)', async () => {
    h = await registeredDevice({}, 60);
    const events: string[] = [];
    h.device.onEvent((e) => events.push(e.kind));
    expect(h.registration.registrations).toBe(1);
    h.registration.known = false;
    h.clock.advance(54_000);
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['updateFailed', 'registered']);
    expect(h.registration.registrations).toBe(2);
    expect(h.device.state).toBe('registered');
    expect(h.device.location).toBe('/rd/x1');
  });

  it('concurrent register() calls share one registration', async () => {
    h = await registeredDevice({}, 60);
    await h.device.deregister();
    const [a, b] = await Promise.all([h.device.register(), h.device.register()]);
    expect(a).toBe(b);
    expect(h.registration.registrations).toBe(2);
  });

  it('Registration Update Trigger (/1/0/8) makes the device send an Update', async () => {
    h = await registeredDevice({}, 3600);
    const before = h.serverRequests.length;
    const res = await h.request({ method: 'POST', path: '/1/0/8' });
    expect(res.code).toBe('2.04');
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(h.serverRequests.slice(before).map((r) => `${r.method} /${r.path.join('/')}`)).toEqual(['POST /rd/x1']);
  });

  it('Send (POST /dp) pushes current values in SenML', async () => {
    h = await registeredDevice();
    h.device.objects.set(3311, 0, 5851, 42);
    await h.device.send(['/3311/0/5851', '/3/0/9'], ContentFormat.SenmlJson);
    const dp = h.serverRequests.at(-1);
    expect(dp?.path).toEqual(['dp']);
    expect(dp?.contentFormat).toBe(ContentFormat.SenmlJson);
    expect(JSON.parse(dec(dp?.payload ?? new Uint8Array()))).toEqual([
      { bn: '/', n: '3311/0/5851', v: 42 },
      { n: '3/0/9', v: 95 },
    ]);
    await h.device.send(['/3303/0']);
    expect(h.serverRequests.at(-1)?.contentFormat).toBe(ContentFormat.SenmlCbor);
    await expect(h.device.send(['/0/0'])).rejects.toMatchObject({ code: 'SIM_BAD_OPTIONS' });
    await expect(h.device.send(['/3/9'])).rejects.toMatchObject({ code: 'SIM_BAD_OPTIONS' });
  });

  it('queue mode: registers with Q, sleeps after its awake time, and is reachable again after an Update', async () => {
    h = await registeredDevice({ queueMode: { awakeMs: 10_000 } }, 3600);
    const flush = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    expect(h.serverRequests[0]?.query).toEqual(['ep=unit-1', 'lt=3600', 'lwm2m=1.1', 'b=U', 'Q']);
    expect((await h.request({ method: 'GET', path: '/3/0/0' })).code).toBe('2.05');
    h.clock.advance(11_000);
    expect(h.device.awake).toBe(false);
    let answered = false;
    const pending = h.request({ method: 'GET', path: '/3/0/1' }).then((r) => {
      answered = true;
      return r;
    });
    await flush();
    expect(answered).toBe(false);
    await h.device.update();
    expect(h.device.awake).toBe(true);
    h.clock.advance(3_000); // the server's CoAP retransmission reaches the device now
    await flush();
    expect(answered).toBe(true);
    expect(dec((await pending).payload)).toBe('sim-1');
  });

  it('Write-Replace on an instance drops the writable values it leaves out; Update keeps them', async () => {
    h = await registeredDevice();
    let res = await h.request({ method: 'POST', path: '/3311/0', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/3311/0/","n":"5851","v":10}]') });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5706)).toBe('#FFFFFF');
    res = await h.request({ method: 'PUT', path: '/3311/0', contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/3311/0/","n":"5851","v":20},{"n":"5850","vb":true}]') });
    expect(res.code).toBe('2.04');
    expect(h.device.objects.get(3311, 0, 5851)).toBe(20);
    expect(h.device.objects.get(3311, 0, 5850)).toBe(true);
    expect(h.device.objects.hasResource(3311, 0, 5706)).toBe(false);
    expect(h.device.objects.hasResource(3311, 0, 5750)).toBe(false);
    expect(h.device.objects.get(3311, 0, 5701)).toBe('Wh'); // read-only: untouched
  });
});
