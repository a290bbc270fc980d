/**
 * CoRE Link Format (RFC 6690, content format 40), wire level: `</3/0>;ver=1.1;rt="oma.lwm2m",</3303/0>`.
 * Attribute values: `null` for a parameter without value (`;obs`), else the unquoted string.
 */
import { malformed } from '../CodecError.js';

export type LinkAttributeValue = string | null;

export interface CoreLink {
  readonly uri: string;
  /** Null-prototype record: attribute names such as `__proto__` are plain keys. */
  readonly attributes: Readonly<Record<string, LinkAttributeValue>>;
}

const PARMNAME = /^[A-Za-z0-9!#$&+\-.^_`|~]+$/;
const PTOKEN = /^[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]+$/;
/** Attributes conventionally written as quoted strings. */
const QUOTED = new Set(['rt', 'if', 'title', 'anchor', 'rel', 'rev', 'hreflang', 'media', 'type']);

function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Parses link-format text. Empty text is an empty list. Bad syntax throws `CodecError` (malformed). */
export function parseLinkFormat(text: string): CoreLink[] {
  const links: CoreLink[] = [];
  let i = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && isWs(text[i])) i++;
  };
  skipWs();
  if (i === n) return links;
  for (;;) {
    skipWs();
    if (text[i] !== '<') throw malformed("link must start with '<'", { offset: i });
    const close = text.indexOf('>', i + 1);
    if (close < 0) throw malformed("unterminated '<' in link", { offset: i });
    const uri = text.slice(i + 1, close);
    if (/[\s<"]/.test(uri)) throw malformed('invalid character in link URI', { offset: i });
    i = close + 1;
    const attributes: Record<string, LinkAttributeValue> = Object.create(null) as Record<string, LinkAttributeValue>;
    skipWs();
    while (text[i] === ';') {
      i++;
      skipWs();
      const start = i;
      while (i < n && text[i] !== '=' && text[i] !== ';' && text[i] !== ',' && !isWs(text[i])) i++;
      const name = text.slice(start, i);
      if (!PARMNAME.test(name)) throw malformed('invalid link parameter name', { offset: start });
      skipWs();
      let value: LinkAttributeValue = null;
      if (text[i] === '=') {
        i++;
        skipWs();
        if (text[i] === '"') {
          i++;
          let v = '';
          for (;;) {
            if (i >= n) throw malformed('unterminated quoted string in link', { offset: start });
            const c = text[i] as string;
            if (c === '\\') {
              if (i + 1 >= n) throw malformed('dangling escape in link', { offset: i });
              v += text[i + 1];
              i += 2;
            } else if (c === '"') {
              i++;
              break;
            } else {
              v += c;
              i++;
            }
          }
          value = v;
        } else {
          const vs = i;
          while (i < n && text[i] !== ';' && text[i] !== ',' && !isWs(text[i])) i++;
          value = text.slice(vs, i);
          if (!PTOKEN.test(value)) throw malformed('invalid link parameter value', { offset: vs });
        }
      }
      attributes[name] = value;
      skipWs();
    }
    links.push({ uri, attributes });
    if (i >= n) break;
    if (text[i] !== ',') throw malformed("expected ',' or ';' in link format", { offset: i });
    i++;
  }
  return links;
}

function quote(v: string): string {
  return '"' + v.replace(/(["\\])/g, '\\$1') + '"';
}

/** Serializes links; `rt`, `if`, `title`... and values that are not tokens are quoted. */
export function serializeLinkFormat(links: readonly CoreLink[]): string {
  return links
    .map((l) => {
      if (/[>\s]/.test(l.uri)) throw malformed('link URI cannot contain > or whitespace');
      let s = `<${l.uri}>`;
      for (const [k, v] of Object.entries(l.attributes)) {
        if (!PARMNAME.test(k)) throw malformed('invalid link parameter name', { name: k });
        if (v === null) s += `;${k}`;
        else s += `;${k}=${QUOTED.has(k) || !PTOKEN.test(v) ? quote(v) : v}`;
      }
      return s;
    })
    .join(',');
}
