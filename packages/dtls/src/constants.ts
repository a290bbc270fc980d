/** Protocol numbers (RFC 5246, 6347, 4279, 5746, 7627), as `as const` maps. */
export const ContentType = {
  ChangeCipherSpec: 20,
  Alert: 21,
  Handshake: 22,
  ApplicationData: 23,
} as const;

export const HandshakeType = {
  HelloRequest: 0,
  ClientHello: 1,
  ServerHello: 2,
  HelloVerifyRequest: 3,
  ServerKeyExchange: 12,
  ServerHelloDone: 14,
  ClientKeyExchange: 16,
  Finished: 20,
} as const;

export const AlertLevel = { Warning: 1, Fatal: 2 } as const;

export const AlertDescription = {
  CloseNotify: 0,
  UnexpectedMessage: 10,
  BadRecordMac: 20,
  HandshakeFailure: 40,
  IllegalParameter: 47,
  DecodeError: 50,
  DecryptError: 51,
  ProtocolVersion: 70,
  InsufficientSecurity: 71,
  InternalError: 80,
  NoRenegotiation: 100,
  UnknownPskIdentity: 115,
} as const;

export const ExtensionType = {
  EncryptThenMac: 22,
  ExtendedMasterSecret: 23,
  RenegotiationInfo: 0xff01,
} as const;

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3). */
export const EmptyRenegotiationInfoScsv = 0x00ff;

export const ProtocolVersion = { Dtls10: 0xfeff, Dtls12: 0xfefd } as const;

export const RECORD_HEADER_LENGTH = 13;
export const HANDSHAKE_HEADER_LENGTH = 12;
/** Largest plaintext fragment (RFC 5246 §6.2.1). */
export const MAX_PLAINTEXT = 16384;

export function alertName(code: number): string {
  for (const [k, v] of Object.entries(AlertDescription)) if (v === code) return k;
  return `alert(${code})`;
}
