/**
 * The recording hook of the device management service: called once before every exchange with a
 * device (it may refuse the exchange by throwing) and once with its answer, and once per
 * notification. Implemented over the provenance recorder by `RecorderDeviceProvenance`.
 */
import type { CoapMethod } from '@chainm2m/lwm2m';

export interface DeviceExchange {
  readonly endpoint: string;
  readonly method: CoapMethod;
  /** LwM2M path (or comma-separated paths of a composite operation). */
  readonly path: string;
  readonly accept?: number | undefined;
  readonly contentFormat?: number | undefined;
  readonly payload?: Uint8Array | undefined;
  /** Set for an Observe: the observation the notifications will name. */
  readonly observationId?: string | undefined;
}

export type ExchangeOutcome =
  | { readonly code: string; readonly contentFormat?: number | undefined; readonly payload?: Uint8Array | undefined }
  | { readonly error: unknown };

export interface DeviceProvenance {
  /** Before the exchange; throws to refuse it. Resolves with what to call with its outcome. */
  exchange(x: DeviceExchange): Promise<(outcome: ExchangeOutcome) => Promise<void>>;
  /** A notification of an observation (continues the observation's transaction). */
  notification(n: { readonly endpoint: string; readonly observationId: string; readonly path: string; readonly code: string; readonly payload?: Uint8Array | undefined }): void;
  /** The observation ended (cancelled, deregistered). */
  observationEnded(observationId: string): void;
}
