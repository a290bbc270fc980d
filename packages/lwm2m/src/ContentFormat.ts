/** CoAP Content-Format numbers used by LwM2M 1.1 (IANA CoAP Content-Formats registry). */
export const ContentFormat = {
  Text: 0,
  Link: 40,
  Opaque: 42,
  Cbor: 60,
  SenmlJson: 110,
  SenmlCbor: 112,
  Tlv: 11542,
  Json: 11543,
} as const;

export type ContentFormatName = keyof typeof ContentFormat;
export type ContentFormatId = (typeof ContentFormat)[ContentFormatName];

const byId = new Map<number, ContentFormatName>(
  (Object.entries(ContentFormat) as [ContentFormatName, number][]).map(([k, v]) => [v, k]),
);

/** `true` when `id` is one of the content formats above. */
export function isContentFormat(id: number): id is ContentFormatId {
  return byId.has(id);
}

/** The name of a known content format (`11542` -> `'Tlv'`), `undefined` otherwise. */
export function contentFormatName(id: number): ContentFormatName | undefined {
  return byId.get(id);
}
