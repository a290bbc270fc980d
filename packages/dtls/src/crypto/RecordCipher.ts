/**
 * Record protection for one direction of one epoch (RFC 5246 §6.2.3, RFC 6347 §4.1.2.1):
 * AES-CCM / AES-CCM_8 (RFC 6655), AES-GCM (RFC 5288) with nonce = fixed IV ‖ epoch ‖ seq, and
 * AES-CBC + HMAC-SHA256 (MAC-then-encrypt, explicit IV). Nonce and additional-data buffers are
 * preallocated; the work is synchronous.
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual, type Cipher, type CipherCCM, type CipherGCM, type DecipherCCM, type DecipherGCM } from 'node:crypto';
import { ProtocolVersion, RECORD_HEADER_LENGTH } from '../constants.js';
import { cidAad, innerPlaintext, TLS12_CID } from '../record/ConnectionId.js';
import type { CipherSuiteInfo } from './CipherSuite.js';

export interface RecordCipher {
  /** Overhead added to the plaintext length (explicit nonce/IV, tag, MAC, max padding). */
  readonly overhead: number;
  /**
   * Returns a complete record (header + protected fragment). With a non-empty `cid` it is a
   * `tls12_cid` record (RFC 9146): `type` goes into the inner plaintext, the §5 additional data is used.
   */
  seal(type: number, epoch: number, seq: number, plaintext: Uint8Array, cid?: Buffer): Buffer;
  /**
   * Returns the plaintext, or undefined when the record does not authenticate. With `cid` (a
   * `tls12_cid` record) it returns the DTLSInnerPlaintext (content ‖ real type ‖ zeros).
   */
  open(type: number, epoch: number, seq: number, fragment: Uint8Array, cid?: Buffer): Buffer | undefined;
}

/** Header of `cid.length` + 13 bytes: the CID goes between sequence number and length (RFC 9146 §4). */
function writeHeader(out: Buffer, type: number, epoch: number, seq: number, length: number, cid?: Buffer): void {
  out[0] = cid ? TLS12_CID : type;
  out.writeUInt16BE(ProtocolVersion.Dtls12, 1);
  out.writeUInt16BE(epoch, 3);
  out.writeUIntBE(seq, 5, 6);
  if (cid) cid.copy(out, 11);
  out.writeUInt16BE(length, 11 + (cid ? cid.length : 0));
}

/** The CID to use: only a non-empty one changes the record format. */
function cidOf(cid: Buffer | undefined): Buffer | undefined {
  return cid && cid.length > 0 ? cid : undefined;
}

function writeAad(aad: Buffer, type: number, epoch: number, seq: number, length: number): void {
  aad.writeUInt16BE(epoch, 0);
  aad.writeUIntBE(seq, 2, 6);
  aad[8] = type;
  aad.writeUInt16BE(ProtocolVersion.Dtls12, 9);
  aad.writeUInt16BE(length, 11);
}

/** OpenSSL skips CCM processing for a zero-length input without a data pointer ("tag not set"). */
const EMPTY = Buffer.alloc(0);

/** AEAD through one OpenSSL context per record: used for GCM, and as the reference CCM in tests. */
export class NativeAeadCipher implements RecordCipher {
  readonly overhead: number;
  private readonly nonce = Buffer.alloc(12);
  private readonly aad = Buffer.alloc(13);
  private readonly algorithm: 'aes-128-ccm' | 'aes-128-gcm';

  constructor(
    private readonly suite: CipherSuiteInfo,
    private readonly key: Buffer,
    iv: Buffer,
  ) {
    this.overhead = 8 + suite.tagLength;
    iv.copy(this.nonce, 0, 0, 4);
    this.algorithm = suite.mode === 'ccm' ? 'aes-128-ccm' : 'aes-128-gcm';
  }

  seal(type: number, epoch: number, seq: number, input: Uint8Array, cidIn?: Buffer): Buffer {
    const cid = cidOf(cidIn);
    const plaintext = cid ? innerPlaintext(type, input) : input.length === 0 ? EMPTY : input;
    const tagLength = this.suite.tagLength;
    const fragLen = 8 + plaintext.length + tagLength;
    const hdr = RECORD_HEADER_LENGTH + (cid ? cid.length : 0);
    const out = Buffer.allocUnsafe(hdr + fragLen);
    writeHeader(out, type, epoch, seq, fragLen, cid);
    this.nonce.writeUInt16BE(epoch, 4);
    this.nonce.writeUIntBE(seq, 6, 6);
    this.nonce.copy(out, hdr, 4, 12);
    let aad: Buffer = this.aad;
    if (cid) aad = cidAad(epoch, seq, cid, plaintext.length);
    else writeAad(this.aad, type, epoch, seq, plaintext.length);
    let ct: Buffer;
    let tag: Buffer;
    if (this.suite.mode === 'ccm') {
      const c = createCipheriv('aes-128-ccm', this.key, this.nonce, { authTagLength: tagLength }) as CipherCCM;
      c.setAAD(aad, { plaintextLength: plaintext.length });
      ct = c.update(plaintext);
      c.final();
      tag = c.getAuthTag();
    } else {
      const c = createCipheriv('aes-128-gcm', this.key, this.nonce) as CipherGCM;
      c.setAAD(aad);
      ct = c.update(plaintext);
      c.final();
      tag = c.getAuthTag();
    }
    ct.copy(out, hdr + 8);
    tag.copy(out, hdr + 8 + ct.length);
    return out;
  }

  open(type: number, epoch: number, seq: number, fragment: Uint8Array, cidIn?: Buffer): Buffer | undefined {
    const cid = cidOf(cidIn);
    const tagLength = this.suite.tagLength;
    const ctLen = fragment.length - 8 - tagLength;
    if (ctLen < 0) return undefined;
    const nonce = this.nonce;
    nonce[4] = fragment[0] as number;
    nonce[5] = fragment[1] as number;
    nonce[6] = fragment[2] as number;
    nonce[7] = fragment[3] as number;
    nonce[8] = fragment[4] as number;
    nonce[9] = fragment[5] as number;
    nonce[10] = fragment[6] as number;
    nonce[11] = fragment[7] as number;
    let aad: Buffer = this.aad;
    if (cid) aad = cidAad(epoch, seq, cid, ctLen);
    else writeAad(this.aad, type, epoch, seq, ctLen);
    const ct = fragment.subarray(8, 8 + ctLen);
    const tag = fragment.subarray(8 + ctLen);
    try {
      if (this.suite.mode === 'ccm') {
        const d = createDecipheriv('aes-128-ccm', this.key, nonce, { authTagLength: tagLength }) as DecipherCCM;
        d.setAuthTag(tag);
        d.setAAD(aad, { plaintextLength: ctLen });
        const pt = d.update(ct);
        d.final();
        return pt;
      }
      const d = createDecipheriv(this.algorithm, this.key, nonce) as DecipherGCM;
      d.setAuthTag(tag);
      d.setAAD(aad);
      const pt = d.update(ct);
      d.final();
      return pt;
    } catch {
      return undefined;
    }
  }
}

/**
 * AES-CCM (RFC 3610, NIST SP 800-38C) with a 12-byte nonce (L = 3) and 13 bytes of additional data,
 * built on two AES contexts created once per key instead of one OpenSSL CCM context per record
 * (about a third cheaper per record in Node): CBC-MAC on a persistent AES-CBC context (its chaining
 * value is XORed out of the first block, which restarts the MAC from a zero IV), CTR keystream from a
 * persistent AES-ECB context. Cross-checked against OpenSSL's CCM in RecordCipher.test.ts.
 */
/**
 * Scratch shared by every CcmCipher: seal/open are synchronous and never re-entered, so one pair of
 * buffers serves all sessions (no per-session scratch memory). Records larger than this get a
 * temporary buffer. Every byte used is written before it is read, so unsafe allocation is fine.
 */
const SCRATCH = 2048;
const macScratch = Buffer.allocUnsafeSlow(SCRATCH);
const ctrScratch = Buffer.allocUnsafeSlow(SCRATCH);

class CcmCipher implements RecordCipher {
  readonly overhead: number;
  private readonly cbc: Cipher;
  private readonly ecb: Cipher;
  /** Per-key state in one small allocation: CBC chaining value (the last block it produced), nonce, AAD. */
  private readonly state = Buffer.alloc(16 + 12 + 13);
  private readonly chain = this.state.subarray(0, 16);
  private readonly nonce = this.state.subarray(16, 28);
  private readonly aad = this.state.subarray(28, 41);

  constructor(
    private readonly tagLength: number,
    key: Buffer,
    iv: Buffer,
  ) {
    this.overhead = 8 + tagLength;
    iv.copy(this.nonce, 0, 0, 4);
    this.cbc = createCipheriv('aes-128-cbc', key, Buffer.alloc(16)).setAutoPadding(false);
    this.ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  }

  /** CBC-MAC of B0 ‖ encoded AAD ‖ zero-padded data; returns the 16-byte T (valid until the next call). */
  private mac(data: Uint8Array, aad: Buffer = this.aad): Buffer {
    const len = data.length;
    // 13 bytes of AAD (plain records) fit one block with their length; a CID's AAD takes more.
    const aadLen = aad.length;
    const at = 16 + ((2 + aadLen + 15) & ~15);
    const n = at + ((len + 15) & ~15);
    const b = n <= SCRATCH ? macScratch : Buffer.allocUnsafe(n);
    // Small fields by hand: a native copy call costs more than a dozen byte moves.
    const nonce = this.nonce;
    const chain = this.chain;
    b[0] = (0x40 | (((this.tagLength - 2) / 2) << 3) | 2) ^ (chain[0] as number); // Adata, M', L' = 2
    for (let i = 0; i < 12; i++) b[1 + i] = (nonce[i] as number) ^ (chain[1 + i] as number);
    b[13] = ((len >>> 16) & 0xff) ^ (chain[13] as number);
    b[14] = ((len >>> 8) & 0xff) ^ (chain[14] as number);
    b[15] = (len & 0xff) ^ (chain[15] as number);
    b[16] = aadLen >>> 8;
    b[17] = aadLen & 0xff;
    for (let i = 0; i < aadLen; i++) b[18 + i] = aad[i] as number;
    for (let i = 18 + aadLen; i < at; i++) b[i] = 0;
    if (len <= 64) for (let i = 0; i < len; i++) b[at + i] = data[i] as number;
    else b.set(data, at);
    for (let i = at + len; i < n; i++) b[i] = 0;
    const out = this.cbc.update(n === b.length ? b : b.subarray(0, n));
    for (let i = 0; i < 16; i++) chain[i] = out[n - 16 + i] as number;
    return chain;
  }

  /** Keystream blocks S0..S(blocks-1) for the current nonce. */
  private keystream(blocks: number): Buffer {
    const n = blocks * 16;
    const a = n <= SCRATCH ? ctrScratch : Buffer.allocUnsafe(n);
    const nonce = this.nonce;
    for (let i = 0; i < blocks; i++) {
      const o = i * 16;
      a[o] = 2;
      for (let j = 0; j < 12; j++) a[o + 1 + j] = nonce[j] as number;
      a[o + 13] = (i >>> 16) & 0xff;
      a[o + 14] = (i >>> 8) & 0xff;
      a[o + 15] = i & 0xff;
    }
    return this.ecb.update(n === a.length ? a : a.subarray(0, n));
  }

  seal(type: number, epoch: number, seq: number, input: Uint8Array, cidIn?: Buffer): Buffer {
    const cid = cidOf(cidIn);
    const plaintext = cid ? innerPlaintext(type, input) : input;
    const m = this.tagLength;
    const len = plaintext.length;
    const fragLen = 8 + len + m;
    const hdr = RECORD_HEADER_LENGTH + (cid ? cid.length : 0);
    const out = Buffer.allocUnsafe(hdr + fragLen);
    writeHeader(out, type, epoch, seq, fragLen, cid);
    this.nonce.writeUInt16BE(epoch, 4);
    this.nonce.writeUIntBE(seq, 6, 6);
    for (let i = 0; i < 8; i++) out[hdr + i] = this.nonce[4 + i] as number; // explicit nonce
    let t: Buffer;
    if (cid) t = this.mac(plaintext, cidAad(epoch, seq, cid, len));
    else {
      writeAad(this.aad, type, epoch, seq, len);
      t = this.mac(plaintext);
    }
    const ks = this.keystream(1 + ((len + 15) >>> 4));
    const at = hdr + 8;
    for (let i = 0; i < len; i++) out[at + i] = (plaintext[i] as number) ^ (ks[16 + i] as number);
    for (let i = 0; i < m; i++) out[at + len + i] = (t[i] as number) ^ (ks[i] as number);
    return out;
  }

  open(type: number, epoch: number, seq: number, fragment: Uint8Array, cidIn?: Buffer): Buffer | undefined {
    const cid = cidOf(cidIn);
    const m = this.tagLength;
    const len = fragment.length - 8 - m;
    if (len < 0) return undefined;
    for (let i = 0; i < 8; i++) this.nonce[4 + i] = fragment[i] as number;
    if (!cid) writeAad(this.aad, type, epoch, seq, len);
    const ks = this.keystream(1 + ((len + 15) >>> 4));
    const pt = Buffer.allocUnsafe(len);
    for (let i = 0; i < len; i++) pt[i] = (fragment[8 + i] as number) ^ (ks[16 + i] as number);
    const t = cid ? this.mac(pt, cidAad(epoch, seq, cid, len)) : this.mac(pt);
    // Expected tag into ks's (already used) first block: T xor S0.
    for (let i = 0; i < m; i++) ks[i] = (t[i] as number) ^ (ks[i] as number);
    return timingSafeEqual(ks.subarray(0, m), fragment.subarray(8 + len)) ? pt : undefined;
  }
}

const MAC_LENGTH = 32;

class CbcCipher implements RecordCipher {
  readonly overhead = 16 + MAC_LENGTH + 16;
  private readonly aad = Buffer.alloc(13);

  constructor(
    private readonly key: Buffer,
    private readonly macKey: Buffer,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {}

  /** RFC 5246 §6.2.3.1 MAC, or for a CID record RFC 9146 §5.1 (its prefix, then the inner plaintext). */
  private mac(type: number, epoch: number, seq: number, data: Uint8Array, cid?: Buffer): Buffer {
    if (cid) return createHmac('sha256', this.macKey).update(cidAad(epoch, seq, cid, data.length)).update(data).digest();
    writeAad(this.aad, type, epoch, seq, data.length);
    return createHmac('sha256', this.macKey).update(this.aad).update(data).digest();
  }

  seal(type: number, epoch: number, seq: number, input: Uint8Array, cidIn?: Buffer): Buffer {
    const cid = cidOf(cidIn);
    const plaintext = cid ? innerPlaintext(type, input) : input;
    const mac = this.mac(type, epoch, seq, plaintext, cid);
    const unpadded = plaintext.length + MAC_LENGTH + 1;
    const pad = (16 - (unpadded % 16)) % 16;
    const inner = Buffer.allocUnsafe(unpadded + pad);
    inner.set(plaintext, 0);
    mac.copy(inner, plaintext.length);
    inner.fill(pad, plaintext.length + MAC_LENGTH);
    const iv = Buffer.from(this.randomBytes(16));
    const c = createCipheriv('aes-128-cbc', this.key, iv).setAutoPadding(false);
    const ct = c.update(inner);
    c.final();
    const fragLen = 16 + ct.length;
    const hdr = RECORD_HEADER_LENGTH + (cid ? cid.length : 0);
    const out = Buffer.allocUnsafe(hdr + fragLen);
    writeHeader(out, type, epoch, seq, fragLen, cid);
    iv.copy(out, hdr);
    ct.copy(out, hdr + 16);
    return out;
  }

  open(type: number, epoch: number, seq: number, fragment: Uint8Array, cidIn?: Buffer): Buffer | undefined {
    const cid = cidOf(cidIn);
    const ctLen = fragment.length - 16;
    if (ctLen < MAC_LENGTH + 16 || ctLen % 16 !== 0) return undefined;
    let inner: Buffer;
    try {
      const d = createDecipheriv('aes-128-cbc', this.key, fragment.subarray(0, 16)).setAutoPadding(false);
      inner = d.update(fragment.subarray(16));
      d.final();
    } catch {
      return undefined;
    }
    const pad = inner[inner.length - 1] as number;
    let ok = pad + 1 + MAC_LENGTH <= inner.length;
    const padStart = ok ? inner.length - 1 - pad : inner.length - 1;
    for (let i = padStart; i < inner.length; i++) if (inner[i] !== pad) ok = false;
    const ptLen = Math.max(0, padStart - MAC_LENGTH);
    const pt = inner.subarray(0, ptLen);
    const expected = this.mac(type, epoch, seq, pt, cid);
    const got = inner.subarray(ptLen, ptLen + MAC_LENGTH);
    const macOk = got.length === MAC_LENGTH && timingSafeEqual(expected, got);
    return ok && macOk ? pt : undefined;
  }
}

export function createRecordCipher(suite: CipherSuiteInfo, key: Buffer, iv: Buffer, macKey: Buffer, randomBytes: (n: number) => Uint8Array): RecordCipher {
  if (suite.mode === 'cbc') return new CbcCipher(key, macKey, randomBytes);
  if (suite.mode === 'ccm') return new CcmCipher(suite.tagLength, key, iv);
  return new NativeAeadCipher(suite, key, iv);
}
