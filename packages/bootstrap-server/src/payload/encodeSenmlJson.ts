import { BootstrapErrorCode, BootstrapServerError } from '../BootstrapServerError.js';
import type { WritableResource } from './BootstrapResources.js';

/** base64url without padding (RFC 8428 §4.3 for `vd`). */
function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

type SenmlRecord = { bn?: string; n: string; v?: number; vs?: string; vb?: boolean; vd?: string };

/**
 * SenML-JSON (RFC 8428, LwM2M 1.1 Core 7.4.5) payload of a write on an object instance path:
 * a base name `/<obj>/<inst>/` and one record per resource.
 */
export function encodeInstanceSenmlJson(basePath: string, resources: readonly WritableResource[]): Uint8Array {
  const bn = basePath.endsWith('/') ? basePath : `${basePath}/`;
  const records: SenmlRecord[] = resources.map((r, i) => {
    const rec: SenmlRecord = i === 0 ? { bn, n: String(r.id) } : { n: String(r.id) };
    switch (r.value.type) {
      case 'string':
        rec.vs = r.value.value;
        break;
      case 'integer':
        if (!Number.isSafeInteger(r.value.value)) {
          throw new BootstrapServerError(BootstrapErrorCode.Encoding, 'integer resource out of range');
        }
        rec.v = r.value.value;
        break;
      case 'boolean':
        rec.vb = r.value.value;
        break;
      case 'opaque':
        rec.vd = base64url(r.value.value);
        break;
    }
    return rec;
  });
  return new TextEncoder().encode(JSON.stringify(records));
}
