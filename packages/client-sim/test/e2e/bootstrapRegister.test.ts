import { ContentFormat } from '@chainm2m/lwm2m';
import { afterEach, describe, expect, it } from 'vitest';
import { SimDevice } from '../../src/index.js';
import { bootstrapDriver, dec, enc, registrar, type TestServer } from './testServers.js';

const bsKey = enc('bs-secret-key-01');
const srvKey = enc('srv-secret-key-1');

const senml = (records: unknown[]): Uint8Array => enc(JSON.stringify(records));

function standardScript(serverPort: number) {
  return (ep: string) => [
    { step: 'delete /0', req: { method: 'DELETE' as const, path: '/0' } },
    { step: 'delete /1', req: { method: 'DELETE' as const, path: '/1' } },
    {
      step: 'write /0/1',
      req: {
        method: 'PUT' as const,
        path: '/0/1',
        contentFormat: ContentFormat.SenmlJson,
        payload: senml([
          { bn: '/0/1/', n: '0', vs: `coaps://127.0.0.1:${serverPort}` },
          { n: '1', vb: false },
          { n: '2', v: 0 },
          { n: '3', vd: Buffer.from(`${ep}-srv`).toString('base64url') },
          { n: '5', vd: Buffer.from(srvKey).toString('base64url') },
          { n: '10', v: 101 },
        ]),
      },
    },
    {
      step: 'write /1/0',
      req: {
        method: 'PUT' as const,
        path: '/1/0',
        contentFormat: ContentFormat.SenmlJson,
        payload: senml([
          { bn: '/1/0/', n: '0', v: 101 },
          { n: '1', v: 120 },
          { n: '6', vb: false },
          { n: '7', vs: 'U' },
        ]),
      },
    },
    { step: 'discover', req: { method: 'GET' as const, path: '/', accept: ContentFormat.Link } },
    { step: 'finish', req: { method: 'POST' as const, path: '/bs' } },
  ];
}

describe('SimDevice over DTLS against test peers built from DtlsServer + CoapEndpoint', () => {
  const servers: TestServer[] = [];
  const devices: SimDevice[] = [];
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.stop()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('bootstraps, registers with the server it was given, serves reads, updates and de-registers', async () => {
    const reg = await registrar({ 'dev1-srv': srvKey });
    servers.push(reg);
    const bs = await bootstrapDriver({ 'dev1-bs': bsKey }, standardScript(reg.port));
    servers.push(bs);
    const device = new SimDevice({
      endpoint: 'dev1',
      bootstrap: { uri: `coaps://127.0.0.1:${bs.port}`, identity: 'dev1-bs', key: bsKey },
    });
    devices.push(device);

    const { durationMs } = await device.bootstrap();
    expect(durationMs).toBeGreaterThanOrEqual(0);
    await bs.result.done;
    expect(bs.result.responses).toEqual([
      { step: 'delete /0', code: '2.02' },
      { step: 'delete /1', code: '2.02' },
      { step: 'write /0/1', code: '2.04' },
      { step: 'write /1/0', code: '2.04' },
      { step: 'discover', code: '2.05' },
      { step: 'finish', code: '2.04' },
    ]);
    const bsReq = bs.result.requests[0];
    expect(bsReq?.query).toEqual(['ep=dev1', 'pct=110']);
    expect(bsReq?.security.pskIdentity).toBe('dev1-bs');
    // the bootstrap account survives Bootstrap-Delete
    expect(device.objects.get(0, 0, 1)).toBe(true);
    expect(device.serverAccount).toMatchObject({ uri: `coaps://127.0.0.1:${reg.port}`, identity: 'dev1-srv', shortServerId: 101, lifetime: 120, binding: 'U' });

    const { location } = await device.register();
    expect(location).toBe('/rd/r1');
    const regReq = reg.requests[0];
    expect(regReq?.security.pskIdentity).toBe('dev1-srv');
    expect(regReq?.query).toEqual(['ep=dev1', 'lt=120', 'lwm2m=1.1', 'b=U']);
    expect(regReq?.contentFormat).toBe(ContentFormat.Link);
    const links = dec(regReq?.payload ?? new Uint8Array());
    expect(links.startsWith('</>;rt="oma.lwm2m";ct=')).toBe(true);
    expect(links).toContain('</1/0>');
    expect(links).toContain('</3/0>');
    expect(links).toContain('</3303/0>');
    expect(links).toContain('</3311/0>');
    expect(links).not.toContain('</0/');

    const peer = reg.devicePeer();
    expect(peer).toBeDefined();
    const manufacturer = await reg.coap.request(peer!, { method: 'GET', path: '/3/0/0', timeoutMs: 10_000 });
    expect(manufacturer.code).toBe('2.05');
    expect(manufacturer.contentFormat).toBe(ContentFormat.Text);
    expect(dec(manufacturer.payload)).toBe('chainm2m');
    const temp = await reg.coap.request(peer!, { method: 'GET', path: '/3303/0', accept: ContentFormat.SenmlJson, timeoutMs: 10_000 });
    expect(temp.code).toBe('2.05');
    const records = JSON.parse(dec(temp.payload)) as Array<{ bn?: string; n?: string; v?: number; vs?: string }>;
    expect(records[0]?.bn).toBe('/3303/0/');
    expect(records.find((r) => r.n === '5701')?.vs).toBe('Cel');
    expect(typeof records.find((r) => r.n === '5700')?.v).toBe('number');

    await device.update();
    expect(reg.requests.at(-1)?.method).toBe('POST');
    expect(reg.requests.at(-1)?.path).toEqual(['rd', 'r1']);
    await device.deregister();
    expect(reg.requests.at(-1)?.method).toBe('DELETE');
    expect(device.state).toBe('bootstrapped');
  });

  it('after a Bootstrap-Delete of /, the firmware re-creates its sensor instances on Finish', async () => {
    const reg = await registrar({ 'dev4-srv': srvKey });
    servers.push(reg);
    const script = standardScript(reg.port);
    const bs = await bootstrapDriver({ 'dev4-bs': bsKey }, (ep) => [{ step: 'delete /', req: { method: 'DELETE' as const, path: '/' } }, ...script(ep).slice(2)]);
    servers.push(bs);
    const device = new SimDevice({ endpoint: 'dev4', bootstrap: { uri: `coaps://127.0.0.1:${bs.port}`, identity: 'dev4-bs', key: bsKey } });
    devices.push(device);
    await device.bootstrap();
    await bs.result.done;
    expect(bs.result.responses[0]).toEqual({ step: 'delete /', code: '2.02' });
    expect(bs.result.responses.at(-1)).toEqual({ step: 'finish', code: '2.04' });
    expect(device.objects.instanceIds(0)).toEqual([0, 1]);
    expect(device.objects.get(3303, 0, 5701)).toBe('Cel');
    expect(typeof device.objects.get(3303, 0, 5700)).toBe('number');
    expect(device.objects.get(3311, 0, 5850)).toBe(false);
  });

  it('refuses Bootstrap-Finish without a usable server account (4.06) and times out', async () => {
    const bs = await bootstrapDriver({ 'dev2-bs': bsKey }, () => [
      { step: 'delete /', req: { method: 'DELETE', path: '/' } },
      { step: 'finish', req: { method: 'POST', path: '/bs' } },
    ]);
    servers.push(bs);
    const device = new SimDevice({
      endpoint: 'dev2',
      bootstrap: { uri: `coaps://127.0.0.1:${bs.port}`, identity: 'dev2-bs', key: bsKey },
      bootstrapTimeoutMs: 3000,
    });
    devices.push(device);
    await expect(device.bootstrap()).rejects.toMatchObject({ code: 'SIM_BOOTSTRAP_TIMEOUT' });
    await bs.result.done;
    expect(bs.result.responses).toEqual([
      { step: 'delete /', code: '2.02' },
      { step: 'finish', code: '4.06' },
    ]);
    await expect(device.register()).rejects.toMatchObject({ code: 'SIM_NO_SERVER_ACCOUNT' });
  });

  it('stop() during a bootstrap rejects it at once with SIM_STOPPED', async () => {
    const bs = await bootstrapDriver({ 'dev3-bs': bsKey }, () => []);
    servers.push(bs);
    const device = new SimDevice({ endpoint: 'dev3', bootstrap: { uri: `coaps://127.0.0.1:${bs.port}`, identity: 'dev3-bs', key: bsKey } });
    devices.push(device);
    const pending = device.bootstrap();
    await bs.result.done; // POST /bs arrived and was answered; the server never finishes
    await device.stop();
    await expect(pending).rejects.toMatchObject({ code: 'SIM_STOPPED' });
    await expect(device.register()).rejects.toMatchObject({ code: 'SIM_STOPPED' });
  });
});
