import type { WritableResource } from './BootstrapResources.js';
import { WriteFormat } from './BootstrapFormat.js';

/**
 * A single resource as text/plain (strings, integers, booleans as `0`/`1`) or, for opaque
 * resources, application/octet-stream (LwM2M 1.1 Core 7.4.1, 7.4.2).
 */
export function encodeResourcePlain(r: WritableResource): { contentFormat: number; payload: Uint8Array } {
  const v = r.value;
  switch (v.type) {
    case 'opaque':
      return { contentFormat: WriteFormat.Opaque, payload: v.value };
    case 'string':
      return { contentFormat: WriteFormat.Text, payload: new TextEncoder().encode(v.value) };
    case 'integer':
      return { contentFormat: WriteFormat.Text, payload: new TextEncoder().encode(String(v.value)) };
    case 'boolean':
      return { contentFormat: WriteFormat.Text, payload: new TextEncoder().encode(v.value ? '1' : '0') };
  }
}
