/**
 * The seam between device management and the LwM2M content codecs: turns device payloads into
 * decoded values and back. `basicCodec` covers the formats that need no LwM2M data model (text,
 * opaque, link-format, SenML-JSON and LwM2M JSON as parsed JSON); the lwm2m core's node codecs
 * (TLV, SenML-CBOR, ...) plug in through the same interface.
 */
import { ContentFormat } from '@chainm2m/lwm2m';
import { readLinkFormat } from '../registration/linkFormat.js';

export interface DeviceCodec {
  /** Formats `decode` understands. */
  readonly decodes: readonly number[];
  /** Formats `encode` produces. */
  readonly encodes: readonly number[];
  /** Decodes a payload of the content at `path` (e.g. `/3/0`); throws on malformed input. */
  decode(payload: Uint8Array, format: number, path: string): unknown;
  /** Encodes a value for `path` in `format`; throws when it cannot. */
  encode(value: unknown, format: number, path: string): Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const enc = new TextEncoder();

export const basicCodec: DeviceCodec = {
  decodes: [ContentFormat.Text, ContentFormat.Opaque, ContentFormat.Link, ContentFormat.SenmlJson, ContentFormat.Json],
  encodes: [ContentFormat.Text, ContentFormat.Opaque, ContentFormat.SenmlJson, ContentFormat.Json],
  decode(payload, format) {
    switch (format) {
      case ContentFormat.Text:
        return utf8.decode(payload);
      case ContentFormat.Opaque:
        return payload;
      case ContentFormat.Link: {
        const links = readLinkFormat(utf8.decode(payload));
        if (!links) throw new SyntaxError('malformed link-format');
        return links;
      }
      case ContentFormat.SenmlJson:
      case ContentFormat.Json:
        return JSON.parse(utf8.decode(payload)) as unknown;
      default:
        throw new TypeError(`format ${format} not decodable`);
    }
  },
  encode(value, format) {
    switch (format) {
      case ContentFormat.Text:
        return enc.encode(textOf(value));
      case ContentFormat.Opaque:
        if (value instanceof Uint8Array) return value;
        throw new TypeError('opaque needs bytes');
      case ContentFormat.SenmlJson:
      case ContentFormat.Json:
        return enc.encode(JSON.stringify(value));
      default:
        throw new TypeError(`format ${format} not encodable`);
    }
  },
};

/** Plain-text representation of a single resource value (LwM2M TS Core §7.4.1). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Date) return String(Math.floor(value.getTime() / 1000));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  throw new TypeError('value has no text representation');
}
