/**
 * Ed25519 keys of the server (record signatures) and of applications (request signatures), with
 * node:crypto. The server key lives in a key file beside the sealing key (mode 0600).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ProvenanceError } from './ProvenanceError.js';
import { sha256Hex, type RecordBody, type AppSignature } from './ProvenanceRecord.js';

export const SIGNING_KEY_FILE = 'provenance-signing-key.json';
const KEY_FORMAT = 'chainm2m-provenance-ed25519-v1';
const APP_DOMAIN = 'chainm2m-provenance-app-v1';

export function signingKeyFilePath(dataDir: string): string {
  return join(dataDir, SIGNING_KEY_FILE);
}

/** The server's signing key. */
export class RecordSigner {
  /** Raw 32-byte public key, base64url. */
  readonly publicKey: string;
  private readonly publicKeyObject: KeyObject;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') {
      throw new ProvenanceError('PROV_INVALID_INPUT', 'the record signing key must be an Ed25519 private key');
    }
    this.publicKeyObject = createPublicKey(privateKey);
    const jwk = this.publicKeyObject.export({ format: 'jwk' });
    this.publicKey = String(jwk.x);
  }

  static generate(): RecordSigner {
    return new RecordSigner(generateKeyPairSync('ed25519').privateKey);
  }

  /** The public key as the `bytes32` the anchor contract publishes. */
  get publicKeyBytes32(): string {
    return `0x${Buffer.from(this.publicKey, 'base64url').toString('hex')}`;
  }

  /** Ed25519 over the 32 bytes of the record hash; base64url. */
  signHash(hashHex: string): string {
    return sign(null, Buffer.from(hashHex, 'hex'), this.privateKey).toString('base64url');
  }

  /** The key file contents (private JWK). */
  toKeyFile(): string {
    const jwk = this.privateKey.export({ format: 'jwk' });
    return `${JSON.stringify({ format: KEY_FORMAT, d: jwk.d, x: jwk.x }, null, 2)}\n`;
  }
}

const keyCache = new Map<string, KeyObject>();

/** A public key object of a raw base64url Ed25519 key; `undefined` when malformed. */
export function ed25519PublicKey(raw: string): KeyObject | undefined {
  let k = keyCache.get(raw);
  if (k) return k;
  if (Buffer.from(raw, 'base64url').length !== 32) return undefined;
  try {
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (keyCache.size > 1024) keyCache.clear();
  keyCache.set(raw, k);
  return k;
}

/** Whether `signature` is the server's signature (key `publicKey`) over the record hash. */
export function verifyRecordSignature(hashHex: string, signature: string, publicKey: string): boolean {
  const key = ed25519PublicKey(publicKey);
  if (!key) return false;
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length !== 64) return false;
  try {
    return verify(null, Buffer.from(hashHex, 'hex'), key, sig);
  } catch {
    return false;
  }
}

/**
 * The bytes an application signs for `X-Provenance-Signature`:
 * `chainm2m-provenance-app-v1\n<METHOD>\n<target>\n<sha256 hex of body>\n<transaction id>`.
 */
export function appSigningMessage(method: string, target: string, bodySha256: string, tx: string): Buffer {
  return Buffer.from(`${APP_DOMAIN}\n${method.toUpperCase()}\n${target}\n${bodySha256}\n${tx}`, 'utf8');
}

/** Signs a request as an application would (tests, CLI, SDKs). */
export function signAppRequest(privateKey: KeyObject, method: string, target: string, body: Uint8Array | string, tx: string): AppSignature {
  const bodySha256 = sha256Hex(body);
  const signature = sign(null, appSigningMessage(method, target, bodySha256, tx), privateKey).toString('base64url');
  const x = String(createPublicKey(privateKey).export({ format: 'jwk' }).x);
  return { publicKey: x, signature, method: method.toUpperCase(), target, bodySha256 };
}

/** Whether a record's application signature is valid for its transaction id. */
export function verifyAppSignature(body: Pick<RecordBody, 'tx'>, s: AppSignature): boolean {
  const key = ed25519PublicKey(s.publicKey);
  if (!key) return false;
  const sig = Buffer.from(s.signature, 'base64url');
  if (sig.length !== 64) return false;
  try {
    return verify(null, appSigningMessage(s.method, s.target, s.bodySha256, body.tx), key, sig);
  } catch {
    return false;
  }
}

function parseKeyFile(text: string, path: string): RecordSigner {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (o['format'] !== KEY_FORMAT || typeof o['d'] !== 'string' || typeof o['x'] !== 'string') throw new Error('fields');
    return new RecordSigner(createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: o['d'], x: o['x'] }, format: 'jwk' }));
  } catch (e) {
    throw new ProvenanceError('PROV_KEY_FILE', `provenance signing key file ${path} is malformed`, { cause: e });
  }
}

/** Loads the key file; refuses one readable by group/others. */
export function loadSigningKeyFile(path: string): RecordSigner {
  let text: string;
  try {
    const st = statSync(path);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new ProvenanceError('PROV_KEY_FILE', `provenance signing key file ${path} is accessible by group/others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ProvenanceError) throw e;
    throw new ProvenanceError('PROV_KEY_FILE', `cannot read provenance signing key file ${path}`, { cause: e });
  }
  return parseKeyFile(text, path);
}

/** Loads the key file, or creates one (mode 0600, never overwriting) when there is none. */
export function loadOrCreateSigningKeyFile(path: string): { signer: RecordSigner; created: boolean } {
  try {
    statSync(path);
    return { signer: loadSigningKeyFile(path), created: false };
  } catch (e) {
    if (e instanceof ProvenanceError || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const signer = RecordSigner.generate();
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, signer.toKeyFile());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new ProvenanceError('PROV_KEY_FILE', `cannot create provenance signing key file ${path}`, { cause: e });
  }
  return { signer, created: true };
}
