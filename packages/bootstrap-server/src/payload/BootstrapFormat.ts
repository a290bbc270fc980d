/**
 * Content formats the bootstrap server can write with (a subset of LwM2M's `ContentFormat`, same
 * numbers). `PerResource` is not a CoAP content format: it means one text/opaque write per resource.
 */
export const WriteFormat = {
  Text: 0,
  Opaque: 42,
  SenmlJson: 110,
  Tlv: 11542,
} as const;

/** Instance-level formats, in the order the server tries them when the client states no preference. */
export const InstanceFormats: readonly number[] = [WriteFormat.SenmlJson, WriteFormat.Tlv];
