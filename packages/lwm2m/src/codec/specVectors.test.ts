/**
 * Payload examples of the LwM2M 1.1 TS Core (§7.4.4 SenML-CBOR tables 7.4.4-2..8), as bytes
 * captured by an independent implementation (Eclipse Wakaama's SenML-CBOR tests), checked against
 * our encoders and decoders.
 */
import { describe, expect, it } from 'vitest';
import { ContentFormat } from '../ContentFormat.js';
import { ObjectRegistry } from '../model/ObjectRegistry.js';
import { singleResource } from '../node/Lwm2mNode.js';
import { decodeCompositePaths, decodeNode, decodeNodes, decodeTimestampedNodes, encodeCompositePaths, encodeNode } from './Lwm2mCodec.js';
import { deviceInstance, hex, toHex } from './testVectors.js';

const model = new ObjectRegistry();

/** Table 7.4.4-2: Read /3/0 in SenML-CBOR. */
const READ_3_0 = `
90A321652F332F302F00613003744F70656E204D6F62696C6520416C6C69616E6365A200613103764C69676874776569
676874204D324D20436C69656E74A20061320369333435303030313233A20061330363312E30A20063362F300201A200
63362F310205A20063372F3002190ED8A20063372F3102191388A20063382F3002187DA20063382F3102190384A20061
39021864A200623130020FA2006431312F300200A200623133021A5182428FA20062313403662B30323A3030A2006231
36036155`;

/** Table 7.4.4-3: notification with base time and relative times (bt 25462634, t -5 / -30 / -50). */
const TIMESTAMPED = `
83A521642F37322F221A0184876A0063312F3202FB40366666666666660624A30063312F3202FB4036E6666666666606
381DA30063312F3202FB403819999999999A063831`;

/** Table 7.4.4-4: objlnk values (`vlo`) under base name `/`. */
const OBJLNK = `
8CA321612F006836352F302F302F3063766C6F6436363A30A2006836352F302F302F3163766C6F6436363A31A2006636
352F302F31036D38363133383030373535353030A2006636352F302F320201A2006636362F302F30036A6D7953657276
69636531A2006636362F302F31036F496E7465726E65742E31352E323334A2006636362F302F3263766C6F6436373A30
A2006636362F312F30036A6D795365727669636532A2006636362F312F31036F496E7465726E65742E31352E323335A2
006636362F312F3263766C6F6B36353533353A3635353335A2006636372F302F30036B38352E37362E37362E3834A200
6636372F302F31036D38352E37362E3235352E323535`;

/** Table 7.4.4-5: Read /3/0/0. */
const READ_3_0_0 = '81A221662F332F302F3003744F70656E204D6F62696C6520416C6C69616E6365';
/** Table 7.4.4-6: Read-Composite request body (paths only). */
const COMPOSITE_PATHS = '83A100662F332F302F30A100662F332F302F39A100662F312F302F31';
/** Table 7.4.4-7: Read-Composite response. */
const COMPOSITE_VALUES = `
83A200662F332F302F3003744F70656E204D6F62696C6520416C6C69616E6365A200662F332F302F3902185FA200662F
312F302F31021A00015180`;
/** Table 7.4.4-8: Write-Composite body with booleans. */
const WRITE_COMPOSITE = `
84A2006C2F333331312F302F3538353004F4A2006C2F333331312F312F3538353004F4A2006C2F333331312F322F3538
35310214A2006C2F333330382F302F353930300212`;

describe('LwM2M TS SenML-CBOR examples', () => {
  it('encodes /3/0 exactly as table 7.4.4-2, and decodes it', () => {
    expect(toHex(encodeNode(deviceInstance(), ContentFormat.SenmlCbor, { path: '/3/0' }))).toBe(toHex(hex(READ_3_0)));
    expect(decodeNode(hex(READ_3_0), ContentFormat.SenmlCbor, { path: '/3/0', model })).toEqual(deviceInstance());
  });

  it('encodes and decodes the single resource of table 7.4.4-5', () => {
    const node = singleResource(0, 'string', 'Open Mobile Alliance');
    expect(toHex(encodeNode(node, ContentFormat.SenmlCbor, { path: '/3/0/0' }))).toBe(READ_3_0_0);
    expect(decodeNode(hex(READ_3_0_0), ContentFormat.SenmlCbor, { path: '/3/0/0', model })).toEqual(node);
  });

  it('applies base time to the timestamped values of table 7.4.4-3', () => {
    const all = decodeTimestampedNodes(hex(TIMESTAMPED), ContentFormat.SenmlCbor, { path: '/72/1/2' });
    expect(all.map((x) => [x.time, x.node.kind === 'singleResource' ? x.node.value : undefined])).toEqual([
      [25462584, 24.1],
      [25462604, 22.9],
      [25462629, 22.4],
    ]);
    // bt + t < 2^28 is relative to now (RFC 8428 §4.5.3).
    const now = 1_700_000_000;
    const abs = decodeTimestampedNodes(hex(TIMESTAMPED), ContentFormat.SenmlCbor, { path: '/72/1/2', now });
    expect(abs.map((x) => x.time)).toEqual([now + 25462584, now + 25462604, now + 25462629]);
  });

  it('decodes the object links of table 7.4.4-4', () => {
    const nodes = decodeNodes(hex(OBJLNK), ContentFormat.SenmlCbor, { paths: ['/65/0', '/66', '/67/0'] });
    const [acl, services, addresses] = nodes.map((n) => n.node);
    expect(acl?.kind === 'objectInstance' && acl.resources.map((r) => r.id)).toEqual([0, 1, 2]);
    const links = acl?.kind === 'objectInstance' ? acl.resources[0] : undefined;
    expect(links?.kind === 'multipleResource' && links.instances.map((i) => i.value)).toEqual([
      { objectId: 66, instanceId: 0 },
      { objectId: 66, instanceId: 1 },
    ]);
    expect(services?.kind === 'object' && services.instances.length).toBe(2);
    const nullLink = services?.kind === 'object' ? services.instances[1]?.resources[2] : undefined;
    expect(nullLink).toEqual(singleResource(2, 'objlnk', { objectId: 65535, instanceId: 65535 }));
    expect(addresses?.kind === 'objectInstance' && addresses.resources.map((r) => (r.kind === 'singleResource' ? r.value : null))).toEqual([
      '85.76.76.84',
      '85.76.255.255',
    ]);
  });

  it('encodes the Read-Composite request of table 7.4.4-6 byte for byte', () => {
    expect(toHex(encodeCompositePaths(['/3/0/0', '/3/0/9', '/1/0/1'], ContentFormat.SenmlCbor))).toBe(COMPOSITE_PATHS);
    expect(decodeCompositePaths(hex(COMPOSITE_PATHS), ContentFormat.SenmlCbor).map(String)).toEqual(['/3/0/0', '/3/0/9', '/1/0/1']);
  });

  it('decodes the composite payloads of tables 7.4.4-7 and 7.4.4-8', () => {
    const read = decodeNodes(hex(COMPOSITE_VALUES), ContentFormat.SenmlCbor, { model });
    expect(read.map((n) => [n.path.toString(), n.node])).toEqual([
      ['/3/0/0', singleResource(0, 'string', 'Open Mobile Alliance')],
      ['/3/0/9', singleResource(9, 'integer', 95)],
      ['/1/0/1', singleResource(1, 'integer', 86400)],
    ]);
    const write = decodeNodes(hex(WRITE_COMPOSITE), ContentFormat.SenmlCbor, { model });
    expect(write.map((n) => [n.path.toString(), n.node.kind === 'singleResource' ? n.node.value : null])).toEqual([
      ['/3311/0/5850', false],
      ['/3311/1/5850', false],
      ['/3311/2/5851', 20],
      ['/3308/0/5900', 18],
    ]);
  });
});

describe('LwM2M TS SenML-JSON examples', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);

  it('encodes /3/0 exactly as the SenML-JSON form of table 7.4.4-2', () => {
    const expected =
      '[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},' +
      '{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},' +
      '{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},' +
      '{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]';
    expect(new TextDecoder().decode(encodeNode(deviceInstance(), ContentFormat.SenmlJson, { path: '/3/0' }))).toBe(expected);
    expect(decodeNode(utf8(expected), ContentFormat.SenmlJson, { path: '/3/0', model })).toEqual(deviceInstance());
  });

  it.each([
    // base name without a trailing slash, name with a leading one
    ['[{"bn" : "/2/3", "n":"/0","v":1234}]', '/2/3', '/2/3/0', 1234],
    ['[{"bn":"/5/0","n":"/1","vs":"http"}]', '/5/0', '/5/0/1', 'http'],
    // empty name: the record is the base name itself
    ['[{"bn":"/5/0/1","n":"","vs":"http"}]', '/5/0/1', '/5/0/1', 'http'],
    // base name and base time after the name in the same record
    ['[{"n":"1","v":1234,"bn" : "/12/0/","bt" : 1234567},{"n":"3","v":56.789}]', '/12/0', '/12/0/3', 56.789],
  ] as const)('resolves names in %s', (payload, at, name, value) => {
    const nodes = decodeNodes(utf8(payload), ContentFormat.SenmlJson, { paths: [at] });
    const flat: [string, unknown][] = [];
    const walk = (prefix: string, n: import('../node/Lwm2mNode.js').Lwm2mNode): void => {
      if (n.kind === 'singleResource' || n.kind === 'resourceInstance') flat.push([prefix, n.value]);
      else if (n.kind === 'multipleResource') n.instances.forEach((i) => walk(`${prefix}/${i.id}`, i));
      else if (n.kind === 'objectInstance') n.resources.forEach((r) => walk(`${prefix}/${r.id}`, r));
      else n.instances.forEach((i) => walk(`${prefix}/${i.id}`, i));
    };
    const first = nodes[0];
    if (first) walk(first.path.toString(), first.node);
    expect(flat).toContainEqual([name, value]);
  });
});
