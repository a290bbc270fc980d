/** Parses what the user typed for a write: JSON when it parses, else the text itself. */
export function parseInput(text: string, type: string | undefined): unknown {
  const t = text.trim();
  if (type === 'string' || type === 'opaque' || type === 'time' || type === 'objlnk') return t;
  if (type === 'boolean') return t === 'true' || t === '1';
  if (type === 'integer' || type === 'unsignedInteger' || type === 'float') return Number(t);
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}
