import { ContentFormat } from '@chainm2m/lwm2m';
import { ClientSimError } from '../ClientSimError.js';
import { decodeEntries, encodeEntries } from '../codec/simCodec.js';
import type { SimObjectTree } from '../model/SimObjectTree.js';
import type { CoapRequest, CoapResponse } from './coapShapes.js';
import { hasBase64urlValue, type BootstrapQuirks } from './bootstrapQuirks.js';
import type { FormatPolicy } from './FormatPolicy.js';
import { bootstrapDiscoverLinks } from './linkFormat.js';
import { fail, pathIds, respond } from './responses.js';
import { applyWrites } from './writes.js';

/** The LwM2M server account the bootstrap left on the device. */
export interface ServerAccountConfig {
  readonly uri: string;
  /** 0 PSK, 3 NoSec */
  readonly securityMode: number;
  readonly identity?: string;
  readonly key?: Uint8Array;
  readonly shortServerId: number;
  readonly lifetime: number;
  readonly binding: string;
  readonly securityInstanceId: number;
  readonly serverInstanceId: number;
}

const dec = new TextDecoder();

/** The first usable (non-bootstrap) server account in /0 + /1, or `undefined`. */
export function findServerAccount(tree: SimObjectTree): ServerAccountConfig | undefined {
  for (const sec of tree.instanceIds(0)) {
    if (tree.get(0, sec, 1) === true) continue;
    const uri = tree.get(0, sec, 0);
    const ssid = tree.get(0, sec, 10);
    const mode = tree.get(0, sec, 2);
    if (typeof uri !== 'string' || !/^coaps?:\/\//.test(uri) || typeof ssid !== 'number' || typeof mode !== 'number') continue;
    const identity = tree.get(0, sec, 3);
    const key = tree.get(0, sec, 5);
    if (mode === 0) {
      if (!(identity instanceof Uint8Array) || identity.length === 0 || !(key instanceof Uint8Array) || key.length === 0) continue;
      if (!uri.startsWith('coaps://')) continue;
    } else if (mode !== 3) continue;
    for (const srv of tree.instanceIds(1)) {
      if (tree.get(1, srv, 0) !== ssid) continue;
      const lifetime = tree.get(1, srv, 1);
      const binding = tree.get(1, srv, 7);
      if (typeof lifetime !== 'number' || lifetime <= 0) continue;
      return {
        uri,
        securityMode: mode,
        ...(identity instanceof Uint8Array && mode === 0 ? { identity: dec.decode(identity) } : {}),
        ...(key instanceof Uint8Array && mode === 0 ? { key } : {}),
        shortServerId: ssid,
        lifetime,
        binding: typeof binding === 'string' && binding !== '' ? binding : 'U',
        securityInstanceId: sec,
        serverInstanceId: srv,
      };
    }
  }
  return undefined;
}

function isBootstrapAccount(tree: SimObjectTree, securityInstanceId: number): boolean {
  return tree.get(0, securityInstanceId, 1) === true;
}

/**
 * Bootstrap-Delete (LwM2M 1.1 §5.2.7.5): any instance or all instances of any object, or
 * everything for `/`, except the Bootstrap-Server account and the Device object instance.
 */
function bootstrapDelete(tree: SimObjectTree, ids: readonly number[]): CoapResponse {
  const [o, i] = ids;
  if (ids.length > 2) return fail('4.00');
  if (o !== undefined && !tree.hasObject(o)) return fail('4.04');
  for (const oid of o === undefined ? tree.objectIds() : [o]) {
    if (oid === 3) continue;
    for (const iid of i === undefined ? tree.instanceIds(oid) : [i]) {
      if (oid === 0 && isBootstrapAccount(tree, iid)) continue;
      tree.deleteInstance(oid, iid);
    }
  }
  return respond('2.02');
}

function bootstrapWrite(tree: SimObjectTree, formats: FormatPolicy, req: CoapRequest, ids: readonly number[], quirks: BootstrapQuirks): CoapResponse {
  if (ids.length === 0 || ids.length > 3) return fail('4.00');
  const refuse = quirks.refuseWrites;
  if (refuse && `/${ids.join('/')}/`.startsWith(`${refuse.path.replace(/\/$/, '')}/`)) return fail(refuse.code, refuse.diagnostic);
  const format = req.contentFormat ?? (ids.length === 3 ? ContentFormat.Text : undefined);
  if (format === undefined) return fail('4.00', 'missing Content-Format');
  if (!formats.accepts(format)) return fail(formats.rejectCode);
  if (quirks.strictBase64 && format === ContentFormat.SenmlJson && hasBase64urlValue(req.payload)) return fail('4.06');
  try {
    const decoded = decodeEntries(req.payload, format, ids, tree.typeOf);
    for (const e of decoded.entries) {
      if (!tree.resourceDef(e.objectId, e.resourceId) && tree.def(e.objectId)) return fail('4.04');
      // A second Security instance for the bootstrap account is refused, as real clients do.
      if (e.objectId === 0 && e.resourceId === 1 && e.value === true && !isBootstrapAccount(tree, e.instanceId)) {
        if (tree.instanceIds(0).some((i) => i !== e.instanceId && isBootstrapAccount(tree, i))) return fail('4.00', 'multiple Security instances for the bootstrap account');
      }
    }
    applyWrites(tree, decoded, true);
    return respond('2.04');
  } catch (e) {
    if (e instanceof ClientSimError) return fail(e.code === 'SIM_UNSUPPORTED_FORMAT' ? formats.rejectCode : '4.00', e.message);
    throw e;
  }
}

/** Bootstrap-Read (LwM2M 1.1 §5.2.7.4): only the Server object (and Access Control, not hosted). */
function bootstrapRead(tree: SimObjectTree, formats: FormatPolicy, ids: readonly number[], accept: number | undefined): CoapResponse {
  const [o, i] = ids;
  if (o !== 1 || ids.length > 2) return fail('4.05');
  if (i !== undefined && !tree.hasInstance(1, i)) return fail('4.04');
  const format = accept ?? formats.defaultMultiFormat();
  if (format === undefined || !formats.accepts(format)) return fail('4.06');
  try {
    return respond('2.05', encodeEntries(tree.entries(1, i), format, ids, tree.typeOf), format);
  } catch (e) {
    if (e instanceof ClientSimError && e.code === 'SIM_UNSUPPORTED_FORMAT') return fail('4.06');
    throw e;
  }
}

/**
 * Serves the bootstrap server's requests on the bootstrap session (LwM2M 1.1 §5.2.7):
 * Bootstrap-Delete, Bootstrap-Write, Bootstrap-Discover, Bootstrap-Read (of /1) and
 * Bootstrap-Finish. `finished` is set when a Finish was accepted.
 */
export function handleBootstrapRequest(
  tree: SimObjectTree,
  formats: FormatPolicy,
  req: CoapRequest,
  quirks: BootstrapQuirks = {},
): { response: CoapResponse; finished: boolean } {
  if (req.method === 'POST' && req.path.length === 1 && req.path[0] === 'bs') {
    if (!findServerAccount(tree)) return { response: fail('4.06', 'no usable LwM2M server account'), finished: false };
    return { response: respond('2.04'), finished: true };
  }
  const ids = pathIds(req.path);
  if (!ids) return { response: fail('4.04'), finished: false };
  switch (req.method) {
    case 'DELETE':
      return { response: bootstrapDelete(tree, ids), finished: false };
    case 'PUT':
      return { response: bootstrapWrite(tree, formats, req, ids, quirks), finished: false };
    case 'GET':
      if (req.accept === ContentFormat.Link) {
        if (ids.length > 1) return { response: fail('4.00'), finished: false };
        const [o] = ids;
        if (o !== undefined && !tree.hasObject(o)) return { response: fail('4.04'), finished: false };
        const links = bootstrapDiscoverLinks(tree, o, quirks.lwm2mVersion);
        return { response: respond('2.05', new TextEncoder().encode(links), ContentFormat.Link), finished: false };
      }
      return { response: bootstrapRead(tree, formats, ids, req.accept), finished: false };
    default:
      return { response: fail('4.05'), finished: false };
  }
}
