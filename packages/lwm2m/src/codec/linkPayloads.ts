/** Model-level use of the CoRE link format: Register/Update payloads and Discover responses. */
import type { RegisteredObjectLink } from '../store/RegistrationStore.js';
import { CodecError, CodecErrorCode, malformed } from './CodecError.js';
import { parseLinkFormat, serializeLinkFormat } from './wire/linkFormat.js';
import type { CoreLink } from './wire/linkFormat.js';
import { utf8Decode, utf8Encode } from './values.js';

/** Decodes a content-format-40 payload. */
export function decodeLinks(bytes: Uint8Array): CoreLink[] {
  try {
    return parseLinkFormat(utf8Decode(bytes));
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw malformed('invalid link format', undefined, e);
  }
}

export function encodeLinks(links: readonly CoreLink[]): Uint8Array {
  return utf8Encode(serializeLinkFormat(links));
}

export interface RegistrationLinks {
  /** Alternate path from the `rt="oma.lwm2m"` link, `/` by default. */
  readonly rootPath: string;
  readonly objectLinks: RegisteredObjectLink[];
  /** `ct` of the `rt="oma.lwm2m"` link, e.g. `[60, 110, 112, 11542, 11543]`. */
  readonly supportedContentFormats?: number[];
}

const ID = /^(0|[1-9]\d{0,4})$/;

/**
 * Parses a Register/Update payload: `</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>;ver=1.1,</3303/0>`.
 * Links must name an object or an object instance under the root path; anything else is a
 * `CodecError` (`LWM2M_CODEC_PATH_MISMATCH`), which the server answers with 4.00.
 */
export function parseRegistrationLinks(input: string | Uint8Array): RegistrationLinks {
  const links = typeof input === 'string' ? parseLinkFormat(input) : decodeLinks(input);
  let rootPath = '/';
  let supportedContentFormats: number[] | undefined;
  const root = links.find((l) => l.attributes['rt'] === 'oma.lwm2m');
  if (root) {
    rootPath = root.uri.endsWith('/') ? root.uri : root.uri + '/';
    if (!rootPath.startsWith('/')) throw new CodecError(CodecErrorCode.PathMismatch, 'root path must be absolute');
    const ct = root.attributes['ct'];
    if (ct !== undefined && ct !== null) {
      const parts = ct.trim().split(/\s+/);
      if (!parts.every((p) => /^\d{1,5}$/.test(p))) throw malformed('invalid ct attribute on the root link');
      supportedContentFormats = parts.map(Number);
    }
  }
  const objectLinks: RegisteredObjectLink[] = [];
  for (const l of links) {
    if (l === root) continue;
    if (!l.uri.startsWith(rootPath)) throw new CodecError(CodecErrorCode.PathMismatch, 'object link outside the root path', { uri: l.uri.slice(0, 64) });
    const rel = l.uri.slice(rootPath.length).replace(/\/$/, '');
    const parts = rel.split('/');
    if (parts.length < 1 || parts.length > 2 || !parts.every((p) => ID.test(p))) {
      throw new CodecError(CodecErrorCode.PathMismatch, 'registration link must name an object or object instance', { uri: l.uri.slice(0, 64) });
    }
    const ids = parts.map(Number);
    if (ids.some((x) => x > 65534)) throw new CodecError(CodecErrorCode.PathMismatch, 'id out of range in registration link');
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(l.attributes)) attributes[k] = v ?? '';
    const ver = l.attributes['ver'];
    objectLinks.push({
      path: '/' + ids.join('/'),
      objectId: ids[0] as number,
      ...(ids[1] !== undefined ? { instanceId: ids[1] } : {}),
      ...(typeof ver === 'string' ? { version: ver } : {}),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    });
  }
  return { rootPath, objectLinks, ...(supportedContentFormats ? { supportedContentFormats } : {}) };
}

/** The Register payload a client sends for its objects (used by the device simulator). */
export function formatRegistrationLinks(reg: RegistrationLinks): string {
  const links: CoreLink[] = [];
  if (reg.rootPath !== '/' || reg.supportedContentFormats) {
    const attributes: Record<string, string> = { rt: 'oma.lwm2m' };
    if (reg.supportedContentFormats) attributes['ct'] = reg.supportedContentFormats.join(' ');
    links.push({ uri: reg.rootPath, attributes });
  }
  const prefix = reg.rootPath === '/' ? '' : reg.rootPath.replace(/\/$/, '');
  for (const o of reg.objectLinks) {
    const attributes: Record<string, string> = { ...(o.attributes ?? {}) };
    if (o.version !== undefined) attributes['ver'] = o.version;
    links.push({ uri: prefix + o.path, attributes });
  }
  return serializeLinkFormat(links);
}
