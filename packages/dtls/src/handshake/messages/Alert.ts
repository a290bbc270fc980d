/** Alert (RFC 5246 §7.2): level and description. */
export interface Alert {
  readonly level: number;
  readonly description: number;
}

export function encodeAlert(level: number, description: number): Buffer {
  return Buffer.from([level, description]);
}

export function parseAlert(payload: Buffer): Alert | undefined {
  if (payload.length !== 2) return undefined;
  return { level: payload[0] as number, description: payload[1] as number };
}
