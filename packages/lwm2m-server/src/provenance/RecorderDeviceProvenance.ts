/**
 * `DeviceProvenance` over the provenance recorder: the sender is the caller of the REST request
 * (or the server), the receiver the endpoint with the clearance of its security record. An
 * Observe's transaction is remembered so its notifications continue it (device -> observer).
 */
import type { SecurityStore } from '@chainm2m/lwm2m';
import { SERVER_PARTY, endpointParty, type Party, type ProvenanceRecorder } from '@chainm2m/provenance';
import type { DeviceExchange, DeviceProvenance, ExchangeOutcome } from './DeviceProvenance.js';
import { currentProvenance } from './provenanceContext.js';

const LINK_FORMAT = 40;

export function operationOf(x: Pick<DeviceExchange, 'method' | 'accept' | 'observationId'>): string {
  switch (x.method) {
    case 'GET':
      return x.observationId !== undefined ? 'observe' : x.accept === LINK_FORMAT ? 'discover' : 'read';
    case 'PUT':
      return 'write';
    case 'POST':
      return 'post';
    case 'DELETE':
      return 'delete';
    case 'FETCH':
      return x.observationId !== undefined ? 'observe-composite' : 'read-composite';
    case 'IPATCH':
      return 'write-composite';
    default:
      return `coap-${String(x.method)}`;
  }
}

export class RecorderDeviceProvenance implements DeviceProvenance {
  private readonly observations = new Map<string, { tx: string; observer: Party; endpoint: Party }>();

  constructor(
    private readonly recorder: ProvenanceRecorder,
    private readonly security: Pick<SecurityStore, 'getByEndpoint'>,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  private async endpoint(name: string): Promise<Party> {
    const clearance = (await this.security.getByEndpoint(name))?.clearance ?? 0;
    return endpointParty(name, clearance);
  }

  async exchange(x: DeviceExchange): Promise<(outcome: ExchangeOutcome) => Promise<void>> {
    const ctx = currentProvenance();
    const sender = ctx?.sender ?? SERVER_PARTY;
    const receiver = await this.endpoint(x.endpoint);
    const handle = await this.recorder.start({
      tx: ctx?.tx,
      sender,
      receiver,
      operation: operationOf(x),
      path: x.path,
      contentFormat: x.contentFormat ?? x.accept ?? null,
      request: x.payload && x.payload.length > 0 ? x.payload : null,
      appSignature: ctx?.appSignature ?? null,
    });
    return async (outcome) => {
      const r = await handle.finish(
        'error' in outcome
          ? { outcome: errorOutcome(outcome.error) }
          : { outcome: outcome.code, answer: outcome.payload && outcome.payload.length > 0 ? outcome.payload : null },
      );
      if (x.observationId !== undefined && !('error' in outcome) && outcome.code.startsWith('2.')) {
        this.observations.set(x.observationId, { tx: handle.tx, observer: sender, endpoint: receiver });
      }
      ctx?.onRecord?.(r);
    };
  }

  notification(n: { endpoint: string; observationId: string; path: string; code: string; payload?: Uint8Array | undefined }): void {
    const o = this.observations.get(n.observationId);
    const sender = o?.endpoint ?? endpointParty(n.endpoint, 0);
    this.recorder
      .record({
        tx: o?.tx,
        sender,
        receiver: o?.observer ?? SERVER_PARTY,
        operation: 'notify',
        path: n.path,
        outcome: n.code,
        request: n.payload && n.payload.length > 0 ? n.payload : null,
      })
      .catch((e: unknown) => this.log(`provenance: cannot record a notification of ${n.endpoint}: ${e instanceof Error ? e.message : String(e)}`));
  }

  observationEnded(observationId: string): void {
    this.observations.delete(observationId);
  }
}

function errorOutcome(e: unknown): string {
  const o = e as { coapCode?: unknown; code?: unknown };
  if (typeof o.coapCode === 'string') return o.coapCode;
  return typeof o.code === 'string' ? o.code.slice(0, 16) : 'error';
}
