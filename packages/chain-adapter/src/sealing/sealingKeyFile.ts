/**
 * The sealing key file: the deployment's X25519 key pair, readable by the servers only (mode 0600).
 * Formats: JSON `{ "type": "chainm2m-sealing-key", "version": 1, "algorithm": "X25519",
 * "publicKey": <base64url>, "privateKey": <base64url>, "createdAt": <ISO time> }`, or a PKCS#8 PEM
 * (`-----BEGIN PRIVATE KEY-----`, e.g. from `openssl genpkey -algorithm X25519`).
 */
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, statSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { generateSealingKeyPair, keyPairFromKeyObject, privateKeyToPem, sealingPublicKeyOf, type SealingKeyPair } from './seal.js';

export type SealingKeyFileFormat = 'json' | 'pem';

export interface LoadSealingKeyOptions {
  /** Accept a file readable by group or others (default false: such a file is refused). */
  readonly allowInsecurePermissions?: boolean;
}

const FILE_TYPE = 'chainm2m-sealing-key';

export function encodeSealingKey(raw: Uint8Array): string {
  return Buffer.from(raw).toString('base64url');
}

export function decodeSealingKey(text: string): Uint8Array {
  const s = text.trim();
  const raw = /^(0x)?[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s.replace(/^0x/, ''), 'hex') : Buffer.from(s, 'base64url');
  if (raw.length !== 32) throw new ChainAdapterError('INVALID_INPUT', 'a sealing key is 32 bytes (base64url or hex)');
  return new Uint8Array(raw);
}

/** Serialises a key pair in the key file format. */
export function formatSealingKeyFile(keyPair: SealingKeyPair, format: SealingKeyFileFormat = 'json'): string {
  if (format === 'pem') return privateKeyToPem(keyPair.privateKey);
  return `${JSON.stringify(
    {
      type: FILE_TYPE,
      version: 1,
      algorithm: 'X25519',
      publicKey: encodeSealingKey(keyPair.publicKey),
      privateKey: encodeSealingKey(keyPair.privateKey),
      createdAt: new Date().toISOString(),
    },
    null,
    2,
  )}\n`;
}

/** Parses key file content (JSON or PEM). */
export function parseSealingKeyFile(content: string): SealingKeyPair {
  const text = content.trim();
  if (text.startsWith('-----BEGIN')) {
    try {
      return keyPairFromKeyObject(createPrivateKey({ key: text, format: 'pem' }));
    } catch (cause) {
      if (cause instanceof ChainAdapterError) throw cause;
      throw new ChainAdapterError('SEAL_KEY_FILE', 'the PEM sealing key file does not hold an X25519 private key');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ChainAdapterError('SEAL_KEY_FILE', 'the sealing key file is neither JSON nor PEM');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ChainAdapterError('SEAL_KEY_FILE', 'the sealing key file is not a JSON object');
  const o = parsed as Record<string, unknown>;
  if (o['type'] !== FILE_TYPE || o['algorithm'] !== 'X25519' || typeof o['privateKey'] !== 'string') {
    throw new ChainAdapterError('SEAL_KEY_FILE', `the sealing key file is not a ${FILE_TYPE} (X25519) file`);
  }
  let privateKey: Uint8Array;
  try {
    privateKey = decodeSealingKey(o['privateKey']);
  } catch {
    throw new ChainAdapterError('SEAL_KEY_FILE', 'the sealing key file holds a malformed private key');
  }
  const publicKey = sealingPublicKeyOf(privateKey);
  if (typeof o['publicKey'] === 'string' && o['publicKey'] !== encodeSealingKey(publicKey)) {
    throw new ChainAdapterError('SEAL_KEY_FILE', 'the sealing key file public key does not match its private key');
  }
  return { publicKey, privateKey };
}

export function loadSealingKeyFile(path: string, options: LoadSealingKeyOptions = {}): SealingKeyPair {
  let content: string;
  try {
    const st = statSync(path);
    if (!options.allowInsecurePermissions && process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new ChainAdapterError('SEAL_KEY_FILE', `sealing key file ${path} is accessible by group/others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    content = readFileSync(path, 'utf8');
  } catch (cause) {
    if (cause instanceof ChainAdapterError) throw cause;
    throw new ChainAdapterError('SEAL_KEY_FILE', `cannot read sealing key file ${path}`, { cause });
  }
  return parseSealingKeyFile(content);
}

/** Creates a new key file (mode 0600, parent directory created 0700); refuses to overwrite one. */
export function createSealingKeyFile(path: string, format: SealingKeyFileFormat = 'json'): SealingKeyPair {
  const keyPair = generateSealingKeyPair();
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, formatSealingKeyFile(keyPair, format));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw new ChainAdapterError('SEAL_KEY_FILE', `cannot create sealing key file ${path}`, { cause });
  }
  return keyPair;
}

/** Loads the key file, creating it first when it does not exist (what `chainm2m up` does on first run). */
export function loadOrCreateSealingKeyFile(
  path: string,
  options: LoadSealingKeyOptions & { readonly format?: SealingKeyFileFormat } = {},
): { keyPair: SealingKeyPair; created: boolean } {
  try {
    statSync(path);
  } catch {
    try {
      return { keyPair: createSealingKeyFile(path, options.format), created: true };
    } catch (e) {
      // Lost a race with another process creating it: fall through and load theirs.
      try {
        statSync(path);
      } catch {
        throw e;
      }
    }
  }
  return { keyPair: loadSealingKeyFile(path, options), created: false };
}
