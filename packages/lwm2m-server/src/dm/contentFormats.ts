/**
 * Content-format negotiation (LwM2M 1.1 TS Core §7.1): which formats to ask a device for, in
 * order of preference, from its LwM2M version, the formats it announced with `ct`, what our
 * codec can decode, and whether the target is a single value.
 */
import { ContentFormat, NODE_FORMATS, type Registration, type ResourceModel } from '@chainm2m/lwm2m';

/** Formats for content with several nodes (object, instance, multiple resource), best first. */
export function multiNodeFormats(reg: Pick<Registration, 'lwm2mVersion' | 'supportedContentFormats'>, codecFormats: readonly number[] = NODE_FORMATS): number[] {
  const v10 = reg.lwm2mVersion === '1.0';
  const preferred: number[] = v10
    ? [ContentFormat.Tlv, ContentFormat.Json]
    : [ContentFormat.SenmlCbor, ContentFormat.SenmlJson, ContentFormat.Tlv, ContentFormat.Json];
  let list = preferred;
  const announced = reg.supportedContentFormats;
  if (announced && announced.length > 0) {
    const restricted = preferred.filter((f) => announced.includes(f));
    if (restricted.length > 0) list = restricted;
  }
  // Formats we can decode first (stable), the others after (their raw payload is still returned).
  return [...list.filter((f) => codecFormats.includes(f)), ...list.filter((f) => !codecFormats.includes(f))];
}

export interface TargetShape {
  /** Path depth: 1 object, 2 instance, 3 resource, 4 resource instance. */
  readonly depth: number;
  /** Model of the resource, when known. */
  readonly resource?: ResourceModel;
}

/** True when the target holds exactly one value (single-instance resource, or resource instance). */
export function isSingleValue(t: TargetShape): boolean {
  if (t.depth === 4) return true;
  if (t.depth === 3) return t.resource === undefined || !t.resource.multiple;
  return false;
}

/** Formats to request for a Read/Observe, best first (tried in turn on 4.06/4.15). */
export function readFormats(reg: Pick<Registration, 'lwm2mVersion' | 'supportedContentFormats'>, t: TargetShape, codecFormats: readonly number[] = NODE_FORMATS): number[] {
  const multi = multiNodeFormats(reg, codecFormats);
  if (!isSingleValue(t)) return multi;
  const single = t.resource?.type === 'opaque' ? ContentFormat.Opaque : ContentFormat.Text;
  return [single, ...multi.filter((f) => f !== single)];
}
