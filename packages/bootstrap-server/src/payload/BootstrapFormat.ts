import { ContentFormat } from '@chainm2m/lwm2m';

/**
 * Content formats the bootstrap server writes with (a subset of LwM2M's `ContentFormat`).
 */
export const WriteFormat = {
  Text: ContentFormat.Text,
  Opaque: ContentFormat.Opaque,
  SenmlJson: ContentFormat.SenmlJson,
  Tlv: ContentFormat.Tlv,
  SenmlCbor: ContentFormat.SenmlCbor,
  Json: ContentFormat.Json,
} as const;

/** Instance-level formats, in the order the server tries them when the client states no preference. */
export const InstanceFormats: readonly number[] = [WriteFormat.SenmlJson, WriteFormat.Tlv];

/** Instance-level formats used when the client prefers them (`pct`), besides the defaults. */
export const PreferableFormats: readonly number[] = [WriteFormat.SenmlJson, WriteFormat.Tlv, WriteFormat.SenmlCbor, WriteFormat.Json];
