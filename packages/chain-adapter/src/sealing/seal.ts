/**
 * Sealed secrets: a value readable only by the holder of the deployment's sealing private key.
 *
 * Scheme (version 1): an ephemeral X25519 key pair; ECDH with the recipient's sealing public key;
 * HKDF-SHA256 (salt = ephemeral public || recipient public, info = "chainm2m/seal/v1" || record ||
 * field, length-prefixed) derives a 32-byte AES key and a 12-byte nonce; AES-256-GCM with the same
 * record and field (plus the header) as associated data, so a ciphertext copied to another record
 * or field does not open.
 *
 * `seal` draws a fresh ephemeral key per call. `sealMany` (batch registration) draws one per call
 * and seals each (record, field) under its own HKDF-derived key and nonce, which is why the
 * contexts in one `sealMany` call must be distinct: one ECDH per batch instead of one per secret.
 * `unseal` caches the ECDH result per ephemeral key, so a batch unseals with one ECDH too.
 *
 * Wire format (53 bytes of overhead):
 *   [0]      version = 0x01
 *   [1..4]   key id  = SHA-256("chainm2m/seal-key" || recipient public)[0..4]
 *   [5..36]  ephemeral X25519 public key
 *   [37..-16] ciphertext
 *   [-16..]  GCM tag
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { ChainAdapterError } from '../ChainAdapterError.js';

export const SEAL_VERSION = 1;
const INFO = Buffer.from('chainm2m/seal/v1', 'utf8');
const KEY_ID_LABEL = Buffer.from('chainm2m/seal-key', 'utf8');
const HEADER_LEN = 1 + 4 + 32;
const TAG_LEN = 16;
/** Largest plaintext accepted (a PSK or a verifier is far smaller). */
export const MAX_SEALED_PLAINTEXT = 64 * 1024;

/** SPKI / PKCS#8 DER prefixes of a raw X25519 key (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** Raw 32-byte X25519 keys. The private key never leaves the servers. */
export interface SealingKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** Where a sealed value belongs: the record (endpoint or username) and the field name. */
export interface SealContext {
  readonly record: string;
  readonly field: string;
}

/** Field names used by the chain adapter. */
export const SealedField = {
  BootstrapPsk: 'bootstrap.psk',
  ServerPsk: 'server.psk',
  PasswordVerifier: 'user.verifier',
} as const;

export function generateSealingKeyPair(): SealingKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublic(publicKey), privateKey: rawPrivate(privateKey) };
}

/** Derives the raw public key from a raw private key. */
export function sealingPublicKeyOf(privateKey: Uint8Array): Uint8Array {
  return rawPublic(createPublicKey(privateKeyObject(privateKey)));
}

/** 4-byte identifier of a sealing public key, stored in every sealed blob. */
export function sealingKeyId(publicKey: Uint8Array): Uint8Array {
  checkLen(publicKey, 32, 'sealing public key');
  return new Uint8Array(keyIdBuffer(publicKey));
}

const keyIdCache = new Map<string, Buffer>();

function keyIdBuffer(publicKey: Uint8Array): Buffer {
  const k = Buffer.from(publicKey).toString('hex');
  let id = keyIdCache.get(k);
  if (!id) {
    id = createHash('sha256').update(KEY_ID_LABEL).update(publicKey).digest().subarray(0, 4);
    if (keyIdCache.size < 64) keyIdCache.set(k, id);
  }
  return id;
}

export function seal(publicKey: Uint8Array, plaintext: Uint8Array, context: SealContext): Uint8Array {
  return sealMany(publicKey, [{ plaintext, context }])[0] as Uint8Array;
}

/** Seals several values with one ephemeral key; the (record, field) contexts must be distinct. */
export function sealMany(publicKey: Uint8Array, items: readonly { readonly plaintext: Uint8Array; readonly context: SealContext }[]): Uint8Array[] {
  checkLen(publicKey, 32, 'sealing public key');
  const seen = new Set<string>();
  for (const { plaintext, context } of items) {
    if (plaintext.length > MAX_SEALED_PLAINTEXT) {
      throw new ChainAdapterError('INVALID_INPUT', `plaintext too large to seal (${plaintext.length} bytes)`);
    }
    const k = `${context.record}\u0000${context.field}`;
    if (seen.has(k)) throw new ChainAdapterError('INVALID_INPUT', `sealMany: context ${context.field} of "${context.record}" appears twice`);
    seen.add(k);
  }
  if (items.length === 0) return [];
  const eph = generateKeyPairSync('x25519');
  // JWK export is the cheapest way to the raw 32 bytes (DER export costs ~2x).
  const ephPub = Buffer.from(eph.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: publicKeyObject(publicKey) });
  const header = Buffer.alloc(HEADER_LEN);
  header[0] = SEAL_VERSION;
  keyIdBuffer(publicKey).copy(header, 1);
  ephPub.copy(header, 5);
  const salt = Buffer.concat([ephPub, publicKey]);
  return items.map(({ plaintext, context }) => {
    const ctx = contextBytes(context);
    const { key, nonce } = derive(shared, salt, ctx);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
    cipher.setAAD(Buffer.concat([INFO, header.subarray(0, 5), ctx]));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([header, body, cipher.getAuthTag()]));
  });
}

/**
 * Opens a sealed value. Throws `SEAL_BAD_FORMAT` (not a v1 blob), `SEAL_WRONG_KEY` (sealed to
 * another key) or `SEAL_AUTH_FAILED` (tampered, or moved to another record/field). Errors name the
 * record and field, never the content.
 */
export function unseal(keyPair: SealingKeyPair, sealed: Uint8Array, context: SealContext): Uint8Array {
  const where = { record: context.record, field: context.field };
  if (sealed.length < HEADER_LEN + TAG_LEN || sealed[0] !== SEAL_VERSION) {
    throw new ChainAdapterError('SEAL_BAD_FORMAT', `sealed ${context.field} of "${context.record}" is not a v${SEAL_VERSION} sealed value`, {
      details: { ...where, length: sealed.length, version: sealed[0] },
    });
  }
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
  const keyId = buf.subarray(1, 5);
  if (!keyId.equals(keyIdBuffer(keyPair.publicKey))) {
    throw new ChainAdapterError('SEAL_WRONG_KEY', `sealed ${context.field} of "${context.record}" was sealed to another sealing key`, {
      details: { ...where, keyId: keyId.toString('hex') },
    });
  }
  const ephPub = buf.subarray(5, HEADER_LEN);
  try {
    const shared = sharedSecret(keyPair, ephPub);
    const ctx = contextBytes(context);
    const { key, nonce } = derive(shared, Buffer.concat([ephPub, keyPair.publicKey]), ctx);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
    decipher.setAAD(Buffer.concat([INFO, buf.subarray(0, 5), ctx]));
    decipher.setAuthTag(buf.subarray(buf.length - TAG_LEN));
    const out = Buffer.concat([decipher.update(buf.subarray(HEADER_LEN, buf.length - TAG_LEN)), decipher.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (cause) {
    throw new ChainAdapterError(
      'SEAL_AUTH_FAILED',
      `sealed ${context.field} of "${context.record}" does not open: tampered, or it belongs to another record or field`,
      { details: where, cause: cause instanceof Error ? new Error(cause.message) : undefined },
    );
  }
}

export function sealString(publicKey: Uint8Array, text: string, context: SealContext): Uint8Array {
  return seal(publicKey, Buffer.from(text, 'utf8'), context);
}

export function unsealString(keyPair: SealingKeyPair, sealed: Uint8Array, context: SealContext): string {
  return Buffer.from(unseal(keyPair, sealed, context)).toString('utf8');
}

function derive(shared: Buffer, salt: Buffer, ctx: Buffer): { key: Buffer; nonce: Buffer } {
  const okm = Buffer.from(hkdfSync('sha256', shared, salt, Buffer.concat([INFO, ctx]), 44));
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) };
}

/** u16 length || record || u16 length || field (UTF-8). */
function contextBytes(context: SealContext): Buffer {
  const rec = Buffer.from(context.record, 'utf8');
  const field = Buffer.from(context.field, 'utf8');
  if (rec.length > 0xffff || field.length > 0xffff) throw new ChainAdapterError('INVALID_INPUT', 'seal context too long');
  const len = Buffer.alloc(4);
  len.writeUInt16BE(rec.length, 0);
  len.writeUInt16BE(field.length, 2);
  return Buffer.concat([len.subarray(0, 2), rec, len.subarray(2, 4), field]);
}

/** ECDH results per (our private key, ephemeral key): a batch sealed with one ephemeral key costs one ECDH. */
const sharedCaches = new WeakMap<Uint8Array, Map<string, Buffer>>();
const SHARED_CACHE_MAX = 1024;

function sharedSecret(keyPair: SealingKeyPair, ephPub: Buffer): Buffer {
  let cache = sharedCaches.get(keyPair.privateKey);
  if (!cache) {
    cache = new Map();
    sharedCaches.set(keyPair.privateKey, cache);
  }
  const k = ephPub.toString('hex');
  const hit = cache.get(k);
  if (hit) return hit;
  const eph = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, ephPub]), format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey: privateKeyObject(keyPair.privateKey), publicKey: eph });
  if (cache.size >= SHARED_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(k, shared);
  return shared;
}

const pubCache = new Map<string, KeyObject>();
const privCache = new WeakMap<Uint8Array, KeyObject>();

function publicKeyObject(raw: Uint8Array): KeyObject {
  checkLen(raw, 32, 'X25519 public key');
  const k = Buffer.from(raw).toString('hex');
  let obj = pubCache.get(k);
  if (!obj) {
    obj = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (pubCache.size < 64) pubCache.set(k, obj);
  }
  return obj;
}

function privateKeyObject(raw: Uint8Array): KeyObject {
  checkLen(raw, 32, 'X25519 private key');
  let obj = privCache.get(raw);
  if (!obj) {
    obj = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
    privCache.set(raw, obj);
  }
  return obj;
}

function rawPublic(k: KeyObject): Uint8Array {
  return new Uint8Array(k.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
}

function rawPrivate(k: KeyObject): Uint8Array {
  return new Uint8Array(k.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length));
}

/** @internal PEM / KeyObject helpers for the key file. */
export function keyPairFromKeyObject(k: KeyObject): SealingKeyPair {
  if (k.type !== 'private' || k.asymmetricKeyType !== 'x25519') {
    throw new ChainAdapterError('SEAL_KEY_FILE', 'not an X25519 private key');
  }
  return { privateKey: rawPrivate(k), publicKey: rawPublic(createPublicKey(k)) };
}

/** @internal */
export function privateKeyToPem(privateKey: Uint8Array): string {
  return privateKeyObject(privateKey).export({ format: 'pem', type: 'pkcs8' }).toString();
}

function checkLen(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new ChainAdapterError('INVALID_INPUT', `${what} must be ${n} bytes`);
  }
}
