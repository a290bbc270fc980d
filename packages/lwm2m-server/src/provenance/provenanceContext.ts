/**
 * Who a device operation is done for, carried from the REST request to the device management
 * service without threading it through every signature (AsyncLocalStorage). Absent: the server
 * itself (CLI, internal work).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AppSignature, Party, ProvenanceRecord } from '@chainm2m/provenance';

export interface ProvenanceCallContext {
  readonly sender: Party;
  /** `X-Provenance-Transaction`. */
  readonly tx?: string | undefined;
  readonly appSignature?: AppSignature | undefined;
  /** Told about each record made for this call (e.g. to answer with its seq and tx). */
  readonly onRecord?: ((r: ProvenanceRecord) => void) | undefined;
}

const storage = new AsyncLocalStorage<ProvenanceCallContext>();

export function runWithProvenance<T>(ctx: ProvenanceCallContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentProvenance(): ProvenanceCallContext | undefined {
  return storage.getStore();
}
