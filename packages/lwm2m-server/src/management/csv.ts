/** One parsed CSV record with the line it came from (1-based, for error messages). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: Readonly<Record<string, string>>;
}

export interface CsvProblem {
  readonly line: number;
  readonly reason: string;
}

/**
 * Parses a CSV file with a header line (RFC 4180 quoting; `#` comment lines and blank lines
 * skipped). A malformed line is reported with its number and the rest still parsed.
 */
export function parseCsv(text: string): { header: string[]; records: CsvRecord[]; problems: CsvProblem[] } {
  const lines = text.split(/\r?\n/);
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let header: string[] | undefined;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const cells = splitCsvLine(raw);
    if (cells === undefined) {
      problems.push({ line, reason: 'unbalanced quotes' });
      return;
    }
    if (!header) {
      header = cells.map((c) => c.trim().toLowerCase());
      return;
    }
    if (cells.length > header.length) {
      problems.push({ line, reason: `${cells.length} fields, the header has ${header.length}` });
      return;
    }
    const fields: Record<string, string> = {};
    header.forEach((name, j) => {
      const v = cells[j]?.trim();
      if (v !== undefined && v !== '') fields[name] = v;
    });
    records.push({ line, fields });
  });
  return { header: header ?? [], records, problems };
}

function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) return undefined;
  out.push(cur);
  return out;
}

/** Quotes a cell when needed. */
export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
