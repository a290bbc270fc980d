import { describe, expect, it } from 'vitest';
import { bootstrapConfigFromSecurityInfo, type BootstrapConfig, type SecurityInfo } from '@chainm2m/lwm2m';
import { BootstrapPolicy, type BootstrapRequest, type PolicyDecision, type StepResult, type WriteMode } from './BootstrapPolicy.js';

const info: SecurityInfo = {
  endpoint: 'dev-001',
  bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: 'dev-001-bs', key: new TextEncoder().encode('bs-secret') },
  server: { serverUri: 'coaps://127.0.0.1:5684', identity: 'dev-001', key: new TextEncoder().encode('dm-secret'), shortServerId: 101, lifetime: 300, binding: 'U' },
  clearance: 1,
  registrar: '0xabc',
  createdAt: 1,
  updatedAt: 1,
};
const config: BootstrapConfig = bootstrapConfigFromSecurityInfo(info);

type Client = (req: BootstrapRequest) => StepResult;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A 1.1 client with its bootstrap account at /0/0 and nothing else. */
const DISCOVER_11 = utf8('</>;lwm2m=1.1,</0/0>;uri="coaps://127.0.0.1:5784",</1>,</3/0>');
const ok = (req: BootstrapRequest): StepResult =>
  req.kind === 'bootstrap-discover'
    ? { kind: 'response', code: '2.05', payload: DISCOVER_11 }
    : { kind: 'response', code: req.kind === 'bootstrap-delete' ? '2.02' : '2.04' };
/** The sequence without Bootstrap-Discover (what a client that refuses Discover gets), formats as for a 1.1 client. */
const legacy = (o: ConstructorParameters<typeof BootstrapPolicy>[0] = {}): BootstrapPolicy => new BootstrapPolicy({ discover: false, formats: [110, 11542], ...o });

/** Runs a whole session against a scripted client; bounded. */
function run(
  policy: BootstrapPolicy,
  client: Client,
  pct: number[] = [110],
  cfg: BootstrapConfig = config,
  remembered?: WriteMode,
): { requests: BootstrapRequest[]; end: PolicyDecision } {
  let { state, decision } = policy.start(cfg, pct, remembered);
  const requests: BootstrapRequest[] = [];
  for (let i = 0; i < 200 && decision.kind === 'continueWith'; i++) {
    requests.push(decision.request);
    ({ state, decision } = policy.next(state, client(decision.request)));
  }
  return { requests, end: decision };
}

const summary = (rs: BootstrapRequest[]): string[] => rs.map((r) => `${r.kind} ${r.path}${r.contentFormat === undefined ? '' : ` ${r.contentFormat}`}`);

describe('BootstrapPolicy', () => {
  it('deletes /0 and /1, writes both Security instances and the Server instance in SenML-JSON, then finishes', () => {
    const { requests, end } = run(legacy(), ok);
    expect(end).toEqual({ kind: 'finished', writeMode: 110 });
    expect(summary(requests)).toEqual([
      'bootstrap-delete /0',
      'bootstrap-delete /1',
      'bootstrap-write /0/0 110',
      'bootstrap-write /0/1 110',
      'bootstrap-write /1/0 110',
      'bootstrap-finish /bs',
    ]);
    const sec1 = JSON.parse(new TextDecoder().decode(requests[3]?.payload)) as Record<string, unknown>[];
    expect(sec1).toEqual([
      { bn: '/0/1/', n: '0', vs: 'coaps://127.0.0.1:5684' },
      { n: '1', vb: false },
      { n: '2', v: 0 },
      { n: '3', vd: Buffer.from('dev-001').toString('base64url') },
      { n: '5', vd: Buffer.from('dm-secret').toString('base64url') },
      { n: '10', v: 101 },
    ]);
    const sec0 = JSON.parse(new TextDecoder().decode(requests[2]?.payload)) as Record<string, unknown>[];
    expect(sec0.find((r) => r.n === '1')).toEqual({ n: '1', vb: true });
    expect(sec0.find((r) => r.n === '10')).toBeUndefined();
    const srv = JSON.parse(new TextDecoder().decode(requests[4]?.payload)) as Record<string, unknown>[];
    expect(srv).toEqual([
      { bn: '/1/0/', n: '0', v: 101 },
      { n: '1', v: 300 },
      { n: '6', vb: true },
      { n: '7', vs: 'U' },
    ]);
    expect(requests.every((r) => r.attempt === 1 && r.timeoutMs === 20_000)).toBe(true);
  });

  it('uses the client pct when supported (TLV) and ignores unsupported ones', () => {
    expect(summary(run(legacy(), ok, [11542]).requests)[2]).toBe('bootstrap-write /0/0 11542');
    expect(summary(run(legacy(), ok, [60]).requests)[2]).toBe('bootstrap-write /0/0 110');
    expect(summary(run(legacy(), ok, [40, 11542]).requests)[2]).toBe('bootstrap-write /0/0 11542');
    expect(summary(run(legacy(), ok, [112]).requests)[2]).toBe('bootstrap-write /0/0 112');
    expect(summary(run(legacy(), ok, [11543]).requests)[2]).toBe('bootstrap-write /0/0 11543');
    expect(new BootstrapPolicy().writeModes([112])).toEqual([112, 110, 11542, 'per-resource']);
    expect(new BootstrapPolicy().writeModes([11542])).toEqual([11542, 112, 110, 'per-resource']);
    expect(new BootstrapPolicy().writeModes([110])).toEqual([110, 112, 11542, 'per-resource']);
    // LwM2M 1.0 defines neither SenML format: TLV (a 1.0 pct of LwM2M JSON is kept)
    expect(new BootstrapPolicy().writeModes([], '1.0')).toEqual([11542, 'per-resource']);
    expect(new BootstrapPolicy().writeModes([110, 11543], '1.0')).toEqual([11543, 11542, 'per-resource']);
    // no pct and no version said: treated as 1.0
    expect(new BootstrapPolicy().writeModes()).toEqual([11542, 'per-resource']);
    // without pct but Discover said 1.1
    expect(new BootstrapPolicy().writeModes([], '1.1')).toEqual([112, 110, 11542, 'per-resource']);
    // what worked last time comes first
    expect(new BootstrapPolicy().writeModes([110], '1.1', 11542)).toEqual([11542, 110, 112, 'per-resource']);
    expect(new BootstrapPolicy().writeModes([], '1.0', 110)).toEqual([11542, 'per-resource']);
  });

  it('TLV payload of the Server instance', () => {
    const { requests } = run(legacy(), ok, [11542]);
    expect(Buffer.from(requests[4]?.payload ?? []).toString('hex')).toBe('c10065' + 'c201012c' + 'c10601' + 'c10755');
  });

  it.each([['4.15'], ['4.00']])('falls back SenML-JSON -> TLV on %s and keeps TLV for later writes', (code) => {
    const client: Client = (r) => (r.contentFormat === 110 ? { kind: 'response', code } : ok(r));
    const { requests, end } = run(legacy(), client);
    expect(end.kind).toBe('finished');
    expect(summary(requests)).toEqual([
      'bootstrap-delete /0',
      'bootstrap-delete /1',
      'bootstrap-write /0/0 110',
      'bootstrap-write /0/0 11542',
      'bootstrap-write /0/1 11542',
      'bootstrap-write /1/0 11542',
      'bootstrap-finish /bs',
    ]);
  });

  it('falls back to per-resource text/opaque writes when both instance formats are refused', () => {
    const client: Client = (r) => (r.contentFormat === 110 || r.contentFormat === 11542 ? { kind: 'response', code: '4.15' } : ok(r));
    const { requests, end } = run(legacy(), client);
    expect(end.kind).toBe('finished');
    expect(summary(requests)).toEqual([
      'bootstrap-delete /0',
      'bootstrap-delete /1',
      'bootstrap-write /0/0 110',
      'bootstrap-write /0/0 11542',
      'bootstrap-write /0/0/0 0',
      'bootstrap-write /0/0/1 0',
      'bootstrap-write /0/0/2 0',
      'bootstrap-write /0/0/3 42',
      'bootstrap-write /0/0/5 42',
      'bootstrap-write /0/1/0 0',
      'bootstrap-write /0/1/1 0',
      'bootstrap-write /0/1/2 0',
      'bootstrap-write /0/1/3 42',
      'bootstrap-write /0/1/5 42',
      'bootstrap-write /0/1/10 0',
      'bootstrap-write /1/0/0 0',
      'bootstrap-write /1/0/1 0',
      'bootstrap-write /1/0/6 0',
      'bootstrap-write /1/0/7 0',
      'bootstrap-finish /bs',
    ]);
    const byPath = new Map(requests.map((r) => [r.path, Buffer.from(r.payload ?? []).toString('latin1')]));
    expect(byPath.get('/0/1/0')).toBe('coaps://127.0.0.1:5684');
    expect(byPath.get('/0/1/1')).toBe('0');
    expect(byPath.get('/0/0/1')).toBe('1');
    expect(byPath.get('/0/1/3')).toBe('dev-001');
    expect(byPath.get('/0/1/5')).toBe('dm-secret');
    expect(byPath.get('/0/1/10')).toBe('101');
    expect(byPath.get('/1/0/1')).toBe('300');
    expect(byPath.get('/1/0/7')).toBe('U');
  });

  it('fails when even a per-resource write is refused, naming the path and code', () => {
    const client: Client = (r) => (r.kind === 'bootstrap-write' ? { kind: 'response', code: '4.00' } : ok(r));
    const { end, requests } = run(legacy(), client);
    expect(end).toMatchObject({ kind: 'failed', reason: 'Bootstrap-Write /0/0/0 refused with 4.00 in every format, earlier formats refused with 4.00, 4.00', operation: 'bootstrap-write', path: '/0/0/0', code: '4.00' });
    expect(requests.at(-1)?.path).toBe('/0/0/0');
  });

  it('fails without per-resource fallback when disabled', () => {
    const client: Client = (r) => (r.kind === 'bootstrap-write' ? { kind: 'response', code: '4.15' } : ok(r));
    const { end, requests } = run(legacy({ perResourceFallback: false }), client);
    expect(end.kind).toBe('failed');
    expect(summary(requests).slice(2)).toEqual(['bootstrap-write /0/0 110', 'bootstrap-write /0/0 11542']);
  });

  it('does not fall back on codes that are not about the format (4.01, 4.03, 5.00)', () => {
    for (const code of ['4.01', '5.00', '4.03']) {
      const client: Client = (r) => (r.kind === 'bootstrap-write' ? { kind: 'response', code } : ok(r));
      const { end, requests } = run(legacy(), client);
      expect(end).toMatchObject({ kind: 'failed', reason: `Bootstrap-Write /0/0 refused with ${code}` });
      expect(requests).toHaveLength(3);
    }
  });

  it('treats 4.04 on Bootstrap-Delete as nothing to delete, other errors as failure', () => {
    expect(run(legacy(), (r) => (r.kind === 'bootstrap-delete' ? { kind: 'response', code: '4.04' } : ok(r))).end.kind).toBe('finished');
    expect(run(legacy(), (r) => (r.kind === 'bootstrap-delete' ? { kind: 'response', code: '4.05' } : ok(r))).end).toMatchObject({
      kind: 'failed',
      reason: 'Bootstrap-Delete /0 refused with 4.05',
    });
  });

  it('retries a request that timed out, then fails after maxAttempts', () => {
    let timeouts = 0;
    const flaky: Client = (r) => (r.path === '/0/1' && timeouts++ < 1 ? { kind: 'timeout' } : ok(r));
    const a = run(legacy({ maxAttempts: 2 }), flaky);
    expect(a.end.kind).toBe('finished');
    expect(a.requests.filter((r) => r.path === '/0/1').map((r) => r.attempt)).toEqual([1, 2]);

    const silent: Client = () => ({ kind: 'timeout' });
    const b = run(legacy({ maxAttempts: 3, stepTimeoutMs: 500 }), silent);
    expect(b.end).toMatchObject({ kind: 'failed', reason: 'no response to Bootstrap-Delete /0 after 3 attempts' });
    expect(b.requests.map((r) => [r.path, r.attempt, r.timeoutMs])).toEqual([
      ['/0', 1, 500],
      ['/0', 2, 500],
      ['/0', 3, 500],
    ]);
    expect(run(legacy({ maxAttempts: 1 }), silent).end).toMatchObject({ kind: 'failed', reason: 'no response to Bootstrap-Delete /0 after 1 attempt' });
  });

  it('retries keep the current fallback format', () => {
    let n = 0;
    const client: Client = (r) => {
      if (r.contentFormat === 110) return { kind: 'response', code: '4.15' };
      if (r.contentFormat === 11542 && n++ === 0) return { kind: 'timeout' };
      return ok(r);
    };
    const { requests } = run(legacy(), client);
    expect(summary(requests).slice(2, 5)).toEqual(['bootstrap-write /0/0 110', 'bootstrap-write /0/0 11542', 'bootstrap-write /0/0 11542']);
    expect(requests[4]?.attempt).toBe(2);
  });

  it('a transport error ends the session at once', () => {
    const { end, requests } = run(legacy(), (r) => (r.path === '/1' ? { kind: 'error', reason: 'COAP_RESET' } : ok(r)));
    expect(end).toMatchObject({ kind: 'failed', reason: 'Bootstrap-Delete /1 failed: COAP_RESET' });
    expect(requests).toHaveLength(2);
  });

  it('a refused Bootstrap-Finish fails with the client diagnostic, made printable and bounded', () => {
    const diag = new TextEncoder().encode('missing server\u0001' + 'x'.repeat(200));
    const { end } = run(legacy(), (r) => (r.kind === 'bootstrap-finish' ? { kind: 'response', code: '4.06', payload: diag } : ok(r)));
    expect(end.kind).toBe('failed');
    const reason = end.kind === 'failed' ? end.reason : '';
    expect(reason.startsWith('Bootstrap-Finish refused with 4.06 (missing server?xxx')).toBe(true);
    expect(reason.length).toBeLessThan(180);
  });

  it('no reason ever contains a key', () => {
    const reasons: string[] = [];
    for (const code of ['4.00', '4.15', '5.00']) {
      const { end } = run(legacy(), (r) => (r.kind === 'bootstrap-write' ? { kind: 'response', code } : ok(r)));
      if (end.kind === 'failed') reasons.push(end.reason);
    }
    expect(reasons).toHaveLength(3);
    for (const r of reasons) {
      expect(r).not.toContain('dm-secret');
      expect(r).not.toContain('bs-secret');
    }
  });

  it('rejects invalid configurations without sending anything', () => {
    const bad: BootstrapConfig = { ...config, servers: [{ instanceId: 70000, shortServerId: 1, lifetime: 1, binding: 'U' }] };
    expect(legacy().start(bad).decision).toMatchObject({ kind: 'failed', reason: 'invalid configuration: instance id 70000' });
    const badSsid: BootstrapConfig = { ...config, servers: [{ instanceId: 0, shortServerId: 65535, lifetime: 1, binding: 'U' }] };
    expect(legacy().start(badSsid).decision.kind).toBe('failed');
    const unsafe: BootstrapConfig = { ...config, servers: [{ instanceId: 0, shortServerId: 1, lifetime: 2 ** 60, binding: 'U' }] };
    expect(run(legacy(), ok, [], unsafe).end).toMatchObject({ kind: 'failed', reason: 'cannot encode the configuration: LWM2M_INVALID_VALUE' });
  });

  it('an empty configuration only finishes', () => {
    const empty: BootstrapConfig = { endpoint: 'x', toDelete: [], security: [], servers: [] };
    expect(summary(run(legacy(), ok, [], empty).requests)).toEqual(['bootstrap-finish /bs']);
  });

  it('is pure: the same state and result give the same decision, and states are not mutated', () => {
    const p = legacy();
    const s0 = p.start(config);
    const frozen = JSON.stringify(s0.state, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    const a = p.next(s0.state, { kind: 'response', code: '2.02' });
    const b = p.next(s0.state, { kind: 'response', code: '2.02' });
    expect(a.decision).toEqual(b.decision);
    expect(JSON.stringify(s0.state, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))).toBe(frozen);
  });

  it('a result after the end is answered with failed', () => {
    const p = legacy();
    const { requests: _r, end } = run(p, ok);
    expect(end.kind).toBe('finished');
    const s = p.start(config);
    const f = p.next({ ...s.state, pending: undefined }, { kind: 'response', code: '2.04' });
    expect(f.decision.kind).toBe('failed');
  });
});

describe('BootstrapPolicy: asks first (Bootstrap-Discover)', () => {
  const discovering = (links: string | undefined, code = '2.05'): Client => (r) =>
    r.kind === 'bootstrap-discover' ? { kind: 'response', code, ...(links === undefined ? {} : { payload: utf8(links) }) } : ok(r);

  it('discovers / for a client that sent pct (LwM2M 1.1), /0 for one that did not', () => {
    expect(summary(run(new BootstrapPolicy(), ok, [110]).requests)[0]).toBe('bootstrap-discover /');
    expect(summary(run(new BootstrapPolicy(), ok, []).requests)[0]).toBe('bootstrap-discover /0');
    const discover = run(new BootstrapPolicy(), ok, [110]).requests[0];
    expect(discover?.coap).toEqual({ method: 'GET', path: [], query: [], accept: 40 });
  });

  it('keeps a bootstrap account at /0/1: no write over it, the server account goes to the free /0/0', () => {
    const { requests, end } = run(new BootstrapPolicy(), discovering('</>;lwm2m=1.1,</0/1>;uri="coaps://127.0.0.1:5784",</1>,</3/0>'), [110]);
    expect(end).toEqual({ kind: 'finished', writeMode: 110 });
    expect(summary(requests)).toEqual(['bootstrap-discover /', 'bootstrap-delete /0', 'bootstrap-delete /1', 'bootstrap-write /0/0 110', 'bootstrap-write /1/0 110', 'bootstrap-finish /bs']);
    const sec = JSON.parse(new TextDecoder().decode(requests[3]?.payload)) as Record<string, unknown>[];
    expect(sec[0]).toEqual({ bn: '/0/0/', n: '0', vs: info.server.serverUri });
    expect(sec.find((r) => r.n === '1')).toEqual({ n: '1', vb: false });
    expect(sec.find((r) => r.n === '10')).toEqual({ n: '10', v: 101 });
  });

  it('with the bootstrap account at /0/0 the server account goes to /0/1 (the configured id)', () => {
    expect(summary(run(new BootstrapPolicy(), ok, [110]).requests)).toEqual(['bootstrap-discover /', 'bootstrap-delete /0', 'bootstrap-delete /1', 'bootstrap-write /0/1 110', 'bootstrap-write /1/0 110', 'bootstrap-finish /bs']);
  });

  it('never names the bootstrap account in a Delete and avoids instances that survive', () => {
    const cfg: BootstrapConfig = { ...config, toDelete: ['/0/1', '/0/3'] };
    // bootstrap account at /0/1, another server account at /0/2 (kept: not deleted), /0/3 deleted; /1/0 kept
    const { requests } = run(new BootstrapPolicy(), discovering('</>;lwm2m=1.1,</0/1>;uri="coaps://bs",</0/2>;ssid=7;uri="coaps://other",</0/3>;ssid=8,</1/0>;ssid=7'), [110], cfg);
    expect(summary(requests)).toEqual(['bootstrap-discover /', 'bootstrap-delete /0/3', 'bootstrap-write /0/0 110', 'bootstrap-write /1/1 110', 'bootstrap-finish /bs']);
  });

  it('writes the bootstrap account too when the client listed none (into a free id)', () => {
    const { requests } = run(new BootstrapPolicy(), discovering('</>;lwm2m=1.1,</0>,</1>'), [110]);
    expect(summary(requests).slice(3, 6)).toEqual(['bootstrap-write /0/0 110', 'bootstrap-write /0/1 110', 'bootstrap-write /1/0 110']);
  });

  it.each([['4.04'], ['4.05'], ['4.00'], ['5.01']])('a client answering Discover %s gets the configured ids', (code) => {
    const { requests, end } = run(new BootstrapPolicy(), discovering(undefined, code), [110]);
    expect(end.kind).toBe('finished');
    expect(summary(requests).slice(1)).toEqual(['bootstrap-delete /0', 'bootstrap-delete /1', 'bootstrap-write /0/0 110', 'bootstrap-write /0/1 110', 'bootstrap-write /1/0 110', 'bootstrap-finish /bs']);
  });

  it('an unreadable Discover answer is treated like no answer', () => {
    const { requests } = run(new BootstrapPolicy(), discovering('no links here'), [110]);
    expect(summary(requests)[3]).toBe('bootstrap-write /0/0 110');
  });

  it('a silent client fails at Discover after the attempts, with step and code', () => {
    const { end } = run(new BootstrapPolicy({ maxAttempts: 2 }), () => ({ kind: 'timeout' }), []);
    expect(end).toEqual({ kind: 'failed', operation: 'bootstrap-discover', path: '/0', code: 'timeout', reason: 'no response to Bootstrap-Discover /0 after 2 attempts' });
  });

  it('LwM2M 1.0 clients (lwm2m=1.0, no pct) are written TLV', () => {
    const { requests } = run(new BootstrapPolicy(), discovering('</>;lwm2m="1.0",</0/0>,</1>,</3/0>'), []);
    expect(summary(requests)).toEqual(['bootstrap-discover /0', 'bootstrap-delete /0', 'bootstrap-delete /1', 'bootstrap-write /0/1 11542', 'bootstrap-write /1/0 11542', 'bootstrap-finish /bs']);
  });

  it('a 1.1 client without pct (Discover says 1.1) starts with SenML-CBOR', () => {
    const { requests } = run(new BootstrapPolicy(), discovering('</>;lwm2m=1.1,</0/0>;uri="coaps://bs"'), []);
    expect(summary(requests)[3]).toBe('bootstrap-write /0/1 112');
  });
});

describe('BootstrapPolicy: fallbacks that finish', () => {
  const refuse = (code: string, when: (r: BootstrapRequest) => boolean, diagnostic?: string): Client => (r) =>
    when(r) ? { kind: 'response', code, ...(diagnostic === undefined ? {} : { payload: utf8(diagnostic) }) } : ok(r);

  it.each([['4.00'], ['4.04'], ['4.05'], ['4.06'], ['4.15']])('%s without a diagnostic moves to the next format', (code) => {
    const { requests, end } = run(new BootstrapPolicy(), refuse(code, (r) => r.contentFormat === 110), [110]);
    expect(end).toEqual({ kind: 'finished', writeMode: 112 });
    expect(summary(requests).slice(3)).toEqual(['bootstrap-write /0/1 110', 'bootstrap-write /0/1 112', 'bootstrap-write /1/0 112', 'bootstrap-finish /bs']);
  });

  it('4.06 with a diagnostic about the encoding (base64) is a format refusal', () => {
    const { end } = run(new BootstrapPolicy(), refuse('4.06', (r) => r.contentFormat === 110, 'vd: invalid base64'), [110]);
    expect(end.kind).toBe('finished');
  });

  it('a 4.00 whose diagnostic is not about the format ends the session with the client words, no other format tried', () => {
    const client = refuse('4.00', (r) => r.kind === 'bootstrap-write' && r.path.startsWith('/1/'), 'lifetime below the minimum of 3600 s');
    const { requests, end } = run(new BootstrapPolicy(), client, [110]);
    expect(end).toEqual({
      kind: 'failed',
      operation: 'bootstrap-write',
      path: '/1/0',
      code: '4.00',
      diagnostic: 'lifetime below the minimum of 3600 s',
      reason: 'Bootstrap-Write /1/0 refused with 4.00 (lifetime below the minimum of 3600 s)',
    });
    expect(requests.filter((r) => r.path === '/1/0')).toHaveLength(1);
  });

  it('every format refused: fails naming the codes, after the per-resource writes', () => {
    const { end, requests } = run(new BootstrapPolicy(), refuse('4.15', (r) => r.kind === 'bootstrap-write'), [110]);
    expect(end).toMatchObject({ kind: 'failed', code: '4.15', path: '/0/1/0', reason: 'Bootstrap-Write /0/1/0 refused with 4.15 in every format, earlier formats refused with 4.15, 4.15, 4.15' });
    expect(summary(requests).slice(3)).toEqual(['bootstrap-write /0/1 110', 'bootstrap-write /0/1 112', 'bootstrap-write /0/1 11542', 'bootstrap-write /0/1/0 0']);
  });

  it('starts with the mode that worked last time', () => {
    const { requests, end } = run(new BootstrapPolicy(), ok, [110], config, 11542);
    expect(summary(requests)[3]).toBe('bootstrap-write /0/1 11542');
    expect(end).toEqual({ kind: 'finished', writeMode: 11542 });
  });

  it('per-resource mode is reported as what worked', () => {
    const { end } = run(new BootstrapPolicy(), refuse('4.15', (r) => r.contentFormat !== undefined && r.path.split('/').length === 3 && r.kind === 'bootstrap-write'), [110]);
    expect(end).toEqual({ kind: 'finished', writeMode: 'per-resource' });
  });
});

describe('BootstrapPolicy: a bootstrap account listed with an ssid', () => {
  it('is recognised by its uri and not written over', () => {
    const links = `</>;lwm2m=1.1,</0/1>;ssid=0;uri="${info.bootstrap.serverUri}",</1>`;
    const client: Client = (r) => (r.kind === 'bootstrap-discover' ? { kind: 'response', code: '2.05', payload: utf8(links) } : ok(r));
    expect(summary(run(new BootstrapPolicy(), client).requests).filter((x) => x.startsWith('bootstrap-write'))).toEqual(['bootstrap-write /0/0 110', 'bootstrap-write /1/0 110']);
  });
});
