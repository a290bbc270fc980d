import { ContentFormat } from '@chainm2m/lwm2m';
import { ClientSimError } from '../ClientSimError.js';
import { SIM_DATA_FORMATS } from '../codec/simCodec.js';

export type RejectCode = '4.15' | '4.00';

export interface FormatPolicyOptions {
  /** Formats the device accepts and produces; default every data format it knows. */
  supportedFormats?: readonly number[];
  /** Formats refused even though known (to test a server's fallback). */
  rejectFormats?: readonly number[];
  /** What a refused format gets: 4.15 Unsupported Content-Format (default) or 4.00 Bad Request. */
  rejectCode?: RejectCode;
  /** `pct` sent in `POST /bs` and the default for multi-value reads; `null` sends none. Default SenML-JSON when accepted. */
  preferredFormat?: number | null;
}

/** Which content formats a device takes and how it refuses the others. */
export class FormatPolicy {
  readonly formats: readonly number[];
  readonly rejectCode: RejectCode;
  readonly preferred: number | undefined;

  constructor(opts: FormatPolicyOptions = {}) {
    const supported = opts.supportedFormats ?? SIM_DATA_FORMATS;
    const rejected = new Set(opts.rejectFormats ?? []);
    for (const f of supported) {
      if (!SIM_DATA_FORMATS.includes(f)) {
        throw new ClientSimError('SIM_BAD_OPTIONS', `content format ${f} is not one the simulator implements`);
      }
    }
    this.formats = supported.filter((f) => !rejected.has(f));
    this.rejectCode = opts.rejectCode ?? '4.15';
    if (opts.preferredFormat === null) this.preferred = undefined;
    else if (opts.preferredFormat !== undefined) this.preferred = opts.preferredFormat;
    else if (this.accepts(ContentFormat.SenmlJson)) this.preferred = ContentFormat.SenmlJson;
    else this.preferred = undefined;
  }

  accepts(format: number): boolean {
    return this.formats.includes(format);
  }

  /** Format for a multi-value response when the request names none. */
  defaultMultiFormat(): number | undefined {
    if (this.preferred !== undefined && this.accepts(this.preferred)) return this.preferred;
    return this.formats.find((f) => f !== ContentFormat.Text && f !== ContentFormat.Opaque);
  }

  /** Structured formats announced with `ct` at registration. */
  announced(): number[] {
    return this.formats.filter((f) => f !== ContentFormat.Text && f !== ContentFormat.Opaque).sort((a, b) => a - b);
  }
}
