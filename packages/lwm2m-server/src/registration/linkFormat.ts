/**
 * Minimal RFC 6690 link-format reader, private to this package until the lwm2m core's
 * `parseLinkFormat` lands. Handles quoted attribute values containing `,` and `;`, and bare
 * attributes (`;obs`). Never throws on malformed input: it returns `undefined`.
 */
export interface LinkEntry {
  readonly uri: string;
  readonly attributes: Record<string, string>;
}

const MAX_LINKS = 4096;

export function readLinkFormat(text: string): LinkEntry[] | undefined {
  const out: LinkEntry[] = [];
  let i = 0;
  const n = text.length;
  const skipWs = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  skipWs();
  if (i >= n) return out;
  for (;;) {
    skipWs();
    if (text[i] !== '<') return undefined;
    const close = text.indexOf('>', i + 1);
    if (close < 0) return undefined;
    const uri = text.slice(i + 1, close);
    i = close + 1;
    const attributes: Record<string, string> = {};
    for (;;) {
      skipWs();
      if (text[i] !== ';') break;
      i++;
      skipWs();
      let j = i;
      while (j < n && text[j] !== '=' && text[j] !== ';' && text[j] !== ',') j++;
      const name = text.slice(i, j).trim();
      if (name.length === 0) return undefined;
      i = j;
      let value = '';
      if (text[i] === '=') {
        i++;
        if (text[i] === '"') {
          const end = text.indexOf('"', i + 1);
          if (end < 0) return undefined;
          value = text.slice(i + 1, end);
          i = end + 1;
        } else {
          let k = i;
          while (k < n && text[k] !== ';' && text[k] !== ',') k++;
          value = text.slice(i, k).trim();
          i = k;
        }
      }
      if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
      attributes[name] = value;
    }
    out.push({ uri, attributes });
    if (out.length > MAX_LINKS) return undefined;
    skipWs();
    if (i >= n) return out;
    if (text[i] !== ',') return undefined;
    i++;
  }
}
