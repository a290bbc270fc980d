/**
 * A hand-made minimal CoAP responder (RFC 7252 §3): answers any request with 2.05 Content and a fixed
 * payload, piggy-backed in an ACK for CON requests. Enough to prove libcoap gets a response over DTLS.
 */
export function coapReply(request: Buffer, payload: string): Buffer | undefined {
  if (request.length < 4) return undefined;
  const first = request[0] as number;
  if (first >> 6 !== 1) return undefined;
  const type = (first >> 4) & 3;
  const tkl = first & 0x0f;
  if (tkl > 8 || request.length < 4 + tkl) return undefined;
  const code = request[1] as number;
  if (code === 0 || code >> 5 !== 0) return undefined; // only requests
  const token = request.subarray(4, 4 + tkl);
  const ack = type === 0;
  const header = Buffer.from([0x40 | ((ack ? 2 : 1) << 4) | tkl, 0x45, 0, 0]);
  if (ack) request.copy(header, 2, 2, 4);
  else header.writeUInt16BE((request.readUInt16BE(2) + 1) & 0xffff, 2);
  return Buffer.concat([header, token, Buffer.from([0xff]), Buffer.from(payload)]);
}
