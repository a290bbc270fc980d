/**
 * What the device-management service writes, and in which content formats (TS Core §7.1): an
 * explicit format is sent as asked (advertised or not); otherwise single values go as text (or
 * opaque) with the structured formats of the device's LwM2M version after them, nodes in the
 * structured formats only. LwM2M 1.0 devices get TLV (then LwM2M JSON), never SenML.
 */
import {
  ContentFormat,
  NODE_FORMATS,
  type Lwm2mNode,
  type Lwm2mPath,
  type Lwm2mResource,
  type Lwm2mValue,
  type ObjectRegistry,
  type Registration,
} from '@chainm2m/lwm2m';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import { isSingleValue, multiNodeFormats } from './contentFormats.js';
import { valueNode } from './valueNode.js';

/** A value to write. */
export type WriteContent =
  /**
   * One resource (or resource instance) value, typed by the object model (inferred from the JS
   * value for unknown objects).
   */
  | { readonly kind: 'value'; readonly value: Lwm2mValue }
  /** An lwm2m core node (instance, resource, ...). */
  | { readonly kind: 'node'; readonly node: Lwm2mNode };

/** The new instance of a Create. */
export interface CreateContent {
  /** The id asked for; absent lets the device choose (returned from the 2.01 Location-Path). */
  readonly instanceId?: number;
  readonly resources: readonly Lwm2mResource[];
}

type Reg = Pick<Registration, 'lwm2mVersion' | 'supportedContentFormats' | 'endpoint' | 'objectLinks'>;

function checkFormat(format: number, path: string): void {
  if (!NODE_FORMATS.includes(format)) throw new Lwm2mServerError('UNSUPPORTED_CONTENT_FORMAT', `content format ${format} cannot carry LwM2M values`, { details: { path, format } });
}

/** The node a write sends to `p`. */
export function writeNode(objects: ObjectRegistry, p: Lwm2mPath, path: string, content: WriteContent): Lwm2mNode {
  if (content.kind === 'node') return content.node;
  const resource = objects.resourceAt(p);
  if (!isSingleValue({ depth: p.depth, ...(resource ? { resource } : {}) })) throw new Lwm2mServerError('BAD_REQUEST', 'a single value needs a resource path', { details: { path } });
  try {
    return valueNode(p, content.value, resource);
  } catch (cause) {
    throw new Lwm2mServerError('BAD_REQUEST', `value does not fit ${path}`, { cause, details: { path } });
  }
}

/** Formats to try for a write of `node`, best first. */
export function writeFormats(reg: Reg, node: Lwm2mNode, path: string, explicit: number | undefined): number[] {
  if (explicit !== undefined) {
    checkFormat(explicit, path);
    return [explicit];
  }
  const multi = multiNodeFormats(reg);
  if (node.kind === 'singleResource' || node.kind === 'resourceInstance') {
    const single = node.type === 'opaque' ? ContentFormat.Opaque : ContentFormat.Text;
    return [single, ...multi];
  }
  return multi;
}

/**
 * Formats for a Create, best first, each with the instance id it goes out with. Only TLV can leave
 * the id to the device; when TLV is not an option (not announced, or another format asked for),
 * the lowest id the registration does not list is asked for.
 */
export function createPlans(reg: Reg, objectId: number, content: CreateContent, path: string, explicit: number | undefined): { format: number; instanceId?: number }[] {
  const formats = explicit !== undefined ? (checkFormat(explicit, path), [explicit]) : multiNodeFormats(reg);
  if (content.instanceId !== undefined) return formats.map((format) => ({ format, instanceId: content.instanceId }));
  const free = freeInstanceId(reg, objectId);
  const plans = formats.map((format) => (format === ContentFormat.Tlv ? { format } : { format, instanceId: free }));
  // Letting the device choose is what a caller without an id asked for: TLV first when possible.
  return [...plans.filter((x) => x.instanceId === undefined), ...plans.filter((x) => x.instanceId !== undefined)];
}

function freeInstanceId(reg: Reg, objectId: number): number {
  const used = new Set(reg.objectLinks.filter((l) => l.objectId === objectId && l.instanceId !== undefined).map((l) => l.instanceId));
  let id = 0;
  while (used.has(id)) id++;
  return id;
}
