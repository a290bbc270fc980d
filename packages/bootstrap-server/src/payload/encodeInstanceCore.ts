import { encodeNode, objectInstance, singleResource } from '@chainm2m/lwm2m';
import { BootstrapErrorCode, BootstrapServerError } from '../BootstrapServerError.js';
import type { WritableResource } from './BootstrapResources.js';

/** An object-instance write (TLV, SenML-JSON, SenML-CBOR, LwM2M JSON) with the lwm2m core codecs. */
export function encodeInstanceCore(format: number, instancePath: string, instanceId: number, resources: readonly WritableResource[]): Uint8Array {
  try {
    const node = objectInstance(
      instanceId,
      resources.map((r) => singleResource(r.id, r.value.type, r.value.value)),
    );
    return encodeNode(node, format, { path: instancePath });
  } catch (err) {
    // Never pass the cause's message on: it could quote a value.
    throw new BootstrapServerError(BootstrapErrorCode.Encoding, `cannot encode ${instancePath} in content format ${format}`, {
      details: { code: err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : 'error' },
    });
  }
}
