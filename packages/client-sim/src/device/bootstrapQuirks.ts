import { ContentFormat } from '@chainm2m/lwm2m';
import type { FormatPolicyOptions } from './FormatPolicy.js';

/**
 * How a device behaves on its bootstrap interface where real LwM2M clients differ (LwM2M 1.1
 * §5.2.7 leaves room, and clients take it). Default: none of these.
 */
export interface BootstrapQuirks {
  /** Security instance id of the factory-installed bootstrap account (default 0). Some clients keep it at /0/1. */
  readonly bootstrapInstanceId?: number;
  /** The version the device says in Bootstrap-Discover (`lwm2m=`); a 1.0 device lists no `uri` attributes (default 1.1). */
  readonly lwm2mVersion?: '1.0' | '1.1';
  /**
   * Decodes SenML `vd` only in the standard base64 alphabet (RFC 4648 §4) and answers the base64url
   * form RFC 8428 prescribes (with `-` or `_`) with 4.06 Not Acceptable, as some clients do.
   */
  readonly strictBase64?: boolean;
  /**
   * Refuses every Bootstrap-Write under `path` (e.g. `/1`) with `code` and `diagnostic`, whatever
   * the format: a refusal about the values, not the format (e.g. a lifetime below its minimum).
   */
  readonly refuseWrites?: { readonly path: string; readonly code: string; readonly diagnostic: string };
}

/** A named device behaviour: formats and bootstrap quirks of a kind of real client. */
export interface SimClientProfile extends FormatPolicyOptions {
  readonly description: string;
  readonly bootstrapQuirks?: BootstrapQuirks;
}

const PLAIN = [ContentFormat.Text, ContentFormat.Opaque];

/**
 * Profiles that behave like LwM2M clients found in the field (see /work/shared/INTEROP.md "What
 * real LwM2M clients expect"). Spread one into `SimDeviceOptions`.
 */
export const RealClientProfiles = {
  /** Keeps its factory bootstrap account at /0/1; answers a write of a second bootstrap account 4.00. */
  bootstrapAccountAt1: { description: 'bootstrap account at /0/1', bootstrapQuirks: { bootstrapInstanceId: 1 } },
  /** Prefers SenML-JSON but decodes `vd` only as standard base64: base64url keys get 4.06. */
  strictBase64: { description: 'answers base64url SenML vd with 4.06', preferredFormat: ContentFormat.SenmlJson, bootstrapQuirks: { strictBase64: true } },
  /** Takes only SenML-JSON (and plain text/opaque per resource); TLV and SenML-CBOR get 4.00. */
  senmlJsonOnly: { description: 'SenML-JSON only, others 4.00', supportedFormats: [ContentFormat.SenmlJson, ...PLAIN], rejectCode: '4.00', preferredFormat: null },
  /** Takes only TLV (and plain); sends no `pct`. */
  tlvOnly: { description: 'TLV only, no pct', supportedFormats: [ContentFormat.Tlv, ...PLAIN], preferredFormat: null },
  /** An LwM2M 1.0 client: no `pct`, `lwm2m=1.0` in Discover, TLV (and LwM2M JSON), SenML unknown. */
  lwm2m10: {
    description: 'LwM2M 1.0 without pct',
    supportedFormats: [ContentFormat.Tlv, ContentFormat.Json, ...PLAIN],
    preferredFormat: null,
    bootstrapQuirks: { lwm2mVersion: '1.0' },
  },
  /** Answers every write of its Server object 4.00 with a diagnostic about the value (no format helps). */
  refusesServerWrite: {
    description: '4.00 with a diagnostic to a write that is not about the format',
    bootstrapQuirks: { refuseWrites: { path: '/1', code: '4.00', diagnostic: 'lifetime below the minimum of 3600 s' } },
  },
} as const satisfies Record<string, SimClientProfile>;

export type RealClientProfileName = keyof typeof RealClientProfiles;

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The `vd` values of a SenML-JSON payload that a standard-alphabet-only decoder refuses. */
export function hasBase64urlValue(payload: Uint8Array): boolean {
  try {
    const records = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    if (!Array.isArray(records)) return false;
    return records.some((r) => r !== null && typeof r === 'object' && typeof (r as { vd?: unknown }).vd === 'string' && !STANDARD_BASE64.test((r as { vd: string }).vd));
  } catch {
    return false;
  }
}
