import { parseCsv } from './csv.js';
import type { NewEndpoint } from './EndpointService.js';
import { badField, parsePsk } from './validation.js';

/** The columns of an endpoint import file; only `endpoint` is required. */
export const ENDPOINT_CSV_COLUMNS = ['endpoint', 'psk', 'psk_text', 'identity', 'bs_psk', 'bs_psk_text', 'bs_identity', 'lifetime', 'clearance'] as const;

export interface CsvLineFailure {
  readonly line: number;
  readonly endpoint: string;
  readonly reason: string;
}

/** Endpoints read from an import file: what to create (with the line each came from) and the lines refused. */
export interface EndpointCsv {
  readonly inputs: readonly NewEndpoint[];
  readonly lines: readonly number[];
  readonly failed: readonly CsvLineFailure[];
}

/**
 * Reads an endpoint import file (the CLI's `endpoints import` and `POST /api/endpoints/import`):
 * a header naming known columns, then one endpoint a line. A bad line is reported with its number
 * (offset by `lineOffset` when the file arrives in parts) and the rest still read; a bad header
 * throws.
 */
export function endpointsFromCsv(text: string, lineOffset = 0): EndpointCsv {
  const { header, records, problems } = parseCsv(text);
  if (!header.includes('endpoint')) throw badField('header', "the header line must name an 'endpoint' column");
  const known: readonly string[] = ENDPOINT_CSV_COLUMNS;
  const unknown = header.filter((h) => !known.includes(h));
  if (unknown.length > 0) throw badField('header', `unknown column(s) ${unknown.join(', ')}; known: ${ENDPOINT_CSV_COLUMNS.join(', ')}`);
  const failed: CsvLineFailure[] = problems.map((p) => ({ line: p.line + lineOffset, endpoint: '', reason: p.reason }));
  const inputs: NewEndpoint[] = [];
  const lines: number[] = [];
  for (const r of records) {
    const f = r.fields;
    try {
      const num = (name: string): number | undefined => {
        const v = f[name];
        if (v === undefined) return undefined;
        if (!/^\d+$/.test(v)) throw new Error(`${name}: must be a non-negative integer`);
        return Number(v);
      };
      inputs.push({
        endpoint: f['endpoint'] ?? '',
        psk: parsePsk({ hex: f['psk'], text: f['psk_text'] }, { hex: 'psk', text: 'psk_text' }),
        bsPsk: parsePsk({ hex: f['bs_psk'], text: f['bs_psk_text'] }, { hex: 'bs_psk', text: 'bs_psk_text' }),
        identity: f['identity'],
        bsIdentity: f['bs_identity'],
        lifetime: num('lifetime'),
        clearance: num('clearance'),
      });
      lines.push(r.line + lineOffset);
    } catch (err) {
      failed.push({ line: r.line + lineOffset, endpoint: f['endpoint'] ?? '', reason: (err as Error).message });
    }
  }
  return { inputs, lines, failed };
}
