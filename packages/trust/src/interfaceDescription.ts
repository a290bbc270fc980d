/**
 * A device's interface description: the object links (and versions) it registered and the
 * manufacturer, model and firmware version of its Device object /3/0. Its digest is what the
 * TrustStore keeps a history of; a new digest flags the device for re-evaluation.
 */
import { createHash } from 'node:crypto';

export interface InterfaceDescription {
  /** Registered object links, e.g. `{ path: '/3303/0' }` or `{ path: '/3303', version: '1.1' }`. */
  readonly objectLinks: readonly { readonly path: string; readonly version?: string | undefined }[];
  readonly manufacturer?: string | undefined;
  readonly model?: string | undefined;
  readonly firmwareVersion?: string | undefined;
}

/** Canonical JSON: links deduplicated and sorted by path then version, absent fields as null. */
export function canonicalInterfaceJson(d: InterfaceDescription): string {
  const links = [...new Set(d.objectLinks.map((l) => JSON.stringify([l.path, l.version ?? null])))].sort();
  return `{"objectLinks":[${links.join(',')}],"manufacturer":${JSON.stringify(d.manufacturer ?? null)},"model":${JSON.stringify(
    d.model ?? null,
  )},"firmwareVersion":${JSON.stringify(d.firmwareVersion ?? null)}}`;
}

/** `0x` + SHA-256 hex of {@link canonicalInterfaceJson}. */
export function interfaceDigest(d: InterfaceDescription): string {
  return `0x${createHash('sha256').update(canonicalInterfaceJson(d)).digest('hex')}`;
}

/** The object ids of a description (`/3303/0` -> 3303), sorted, without duplicates. */
export function objectIdsOf(d: InterfaceDescription): number[] {
  const ids = new Set<number>();
  for (const l of d.objectLinks) {
    const m = /^\/(\d+)/.exec(l.path);
    if (m) ids.add(Number(m[1]));
  }
  return [...ids].sort((a, b) => a - b);
}
