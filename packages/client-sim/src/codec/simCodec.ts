/**
 * Picks the codec for a content format and converts between the device's entries and bytes.
 * Formats: text/plain (0), opaque (42), TLV (11542), LwM2M JSON (11543), SenML-JSON (110),
 * SenML-CBOR (112). Link format (40) is produced by `linkFormat.ts`.
 */
import { ContentFormat } from '@chainm2m/lwm2m';
import { ClientSimError } from '../ClientSimError.js';
import type { SimEntry } from '../model/SimObjectTree.js';
import { decodeLwm2mJson, encodeLwm2mJson } from './lwm2mJson.js';
import { decodeSenmlCbor, decodeSenmlJson, encodeSenmlCbor, encodeSenmlJson, type Decoded } from './senml.js';
import { decodeTlv, encodeTlv, type TypeOf } from './tlv.js';
import { bad, textToValue, utf8Decode, utf8Encode, valueToText } from './values.js';

export type { Decoded } from './senml.js';
export type { TypeOf } from './tlv.js';

/** Every data format the simulator can read and write, in its own order of preference. */
export const SIM_DATA_FORMATS: readonly number[] = [
  ContentFormat.SenmlCbor,
  ContentFormat.SenmlJson,
  ContentFormat.Tlv,
  ContentFormat.Json,
  ContentFormat.Text,
  ContentFormat.Opaque,
];

export function unsupportedFormat(format: number): ClientSimError {
  return new ClientSimError('SIM_UNSUPPORTED_FORMAT', `content format ${format} not supported`, { details: { format } });
}

/** Encodes entries read at `base` (ids shallowest first). Text and opaque need one leaf. */
/** `time` (Unix seconds) is the SenML base time of the values; other formats carry none. */
export function encodeEntries(entries: readonly SimEntry[], format: number, base: readonly number[], typeOf: TypeOf, time?: number): Uint8Array {
  switch (format) {
    case ContentFormat.Text:
    case ContentFormat.Opaque: {
      const e = entries[0];
      const single = base.length === 4 || (base.length === 3 && entries.length === 1 && e?.resourceInstanceId === undefined);
      if (!e || entries.length !== 1 || !single) throw unsupportedFormat(format);
      const type = typeOf(e.objectId, e.resourceId);
      if (format === ContentFormat.Opaque) {
        if (!(e.value instanceof Uint8Array)) throw unsupportedFormat(format);
        return e.value;
      }
      return utf8Encode(valueToText(e.value, type));
    }
    case ContentFormat.Tlv:
      if (base.length === 0) throw unsupportedFormat(format);
      return encodeTlv(entries, base, typeOf);
    case ContentFormat.SenmlJson:
      return encodeSenmlJson(entries, base, time);
    case ContentFormat.SenmlCbor:
      return encodeSenmlCbor(entries, base, time);
    case ContentFormat.Json:
      return encodeLwm2mJson(entries, base);
    default:
      throw unsupportedFormat(format);
  }
}

/** Decodes a payload written to `base`. Malformed input throws `SIM_BAD_PAYLOAD`. */
export function decodeEntries(bytes: Uint8Array, format: number, base: readonly number[], typeOf: TypeOf): Decoded {
  const [objectId, instanceId, resourceId, resourceInstanceId] = base;
  switch (format) {
    case ContentFormat.Text:
    case ContentFormat.Opaque: {
      if (objectId === undefined || instanceId === undefined || resourceId === undefined) {
        throw bad('text and opaque write a single resource');
      }
      const type = typeOf(objectId, resourceId);
      const value =
        format === ContentFormat.Opaque ? bytes.slice() : textToValue(utf8Decode(bytes), type);
      return {
        entries: [
          { objectId, instanceId, resourceId, ...(resourceInstanceId === undefined ? {} : { resourceInstanceId }), value },
        ],
        instances: [{ objectId, instanceId }],
      };
    }
    case ContentFormat.Tlv:
      return decodeTlv(bytes, base, typeOf);
    case ContentFormat.SenmlJson:
      return decodeSenmlJson(bytes, base, typeOf);
    case ContentFormat.SenmlCbor:
      return decodeSenmlCbor(bytes, base, typeOf);
    case ContentFormat.Json:
      return decodeLwm2mJson(bytes, base, typeOf);
    default:
      throw unsupportedFormat(format);
  }
}
