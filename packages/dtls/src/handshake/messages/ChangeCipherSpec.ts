/** ChangeCipherSpec (RFC 5246 §7.1): its own content type, a single byte 1. */
export const CHANGE_CIPHER_SPEC = Buffer.from([1]);

export function isChangeCipherSpec(payload: Buffer): boolean {
  return payload.length === 1 && payload[0] === 1;
}
