import { DtlsError } from './DtlsError.js';

/** Bounds-checked big-endian reader over a Buffer; every overrun throws `DTLS_DECODE`. */
export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DtlsError('DTLS_DECODE', 'truncated message');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  vec8(): Buffer {
    return this.bytes(this.u8());
  }

  vec16(): Buffer {
    return this.bytes(this.u16());
  }

  end(): void {
    if (this.pos !== this.buf.length) throw new DtlsError('DTLS_DECODE', 'trailing bytes');
  }
}

export function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n, 0);
  return b;
}

export function vec8(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([data.length]), data]);
}

export function vec16(data: Uint8Array): Buffer {
  return Buffer.concat([u16(data.length), data]);
}
