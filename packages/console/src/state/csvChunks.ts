/** One part of an import file: the header line and a run of consecutive lines of the file. */
export interface CsvChunk {
  readonly text: string;
  /** Added to the line numbers the server reports, so they name lines of the whole file. */
  readonly lineOffset: number;
  readonly lines: number;
}

/**
 * Splits an import file into parts of `size` lines, each led by the header, so a large file is sent
 * in steps (a progress bar) and every reported line number still names a line of the original file.
 */
export function csvChunks(text: string, size = 100): CsvChunk[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (headerIndex < 0) return [];
  const header = lines[headerIndex] as string;
  const body = lines.slice(headerIndex + 1);
  while (body.length > 0 && (body[body.length - 1] as string).trim() === '') body.pop();
  const chunks: CsvChunk[] = [];
  for (let i = 0; i < body.length; i += size) {
    const part = body.slice(i, i + size);
    // In a part, its first line is line 2; in the file it is line headerIndex + 2 + i.
    chunks.push({ text: [header, ...part].join('\n'), lineOffset: headerIndex + i, lines: part.filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')).length });
  }
  return chunks;
}
