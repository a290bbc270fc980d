import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainAdapterError } from '../ChainAdapterError.js';
import { seal, unseal } from './seal.js';
import { createSealingKeyFile, loadOrCreateSealingKeyFile, loadSealingKeyFile, parseSealingKeyFile } from './sealingKeyFile.js';

const dir = mkdtempSync(join(tmpdir(), 'chainm2m-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sealing key file', () => {
  it('creates a 0600 JSON file once and loads the same key afterwards', () => {
    const path = join(dir, 'a', 'sealing-key.json');
    const first = loadOrCreateSealingKeyFile(path);
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = loadOrCreateSealingKeyFile(path);
    expect(again.created).toBe(false);
    expect(Buffer.from(again.keyPair.privateKey)).toEqual(Buffer.from(first.keyPair.privateKey));
    const ctx = { record: 'e', field: 'f' };
    expect(Buffer.from(unseal(again.keyPair, seal(first.keyPair.publicKey, new Uint8Array([7]), ctx), ctx))).toEqual(Buffer.from([7]));
    expect(() => createSealingKeyFile(path)).toThrow(ChainAdapterError);
  });

  it('loads PEM files, including one written by openssl', () => {
    const path = join(dir, 'k.pem');
    const kp = createSealingKeyFile(path, 'pem');
    expect(readFileSync(path, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(Buffer.from(loadSealingKeyFile(path).publicKey)).toEqual(Buffer.from(kp.publicKey));
    const o = join(dir, 'openssl.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'X25519', '-out', o]);
    chmodSync(o, 0o600);
    const pub = execFileSync('openssl', ['pkey', '-in', o, '-pubout', '-outform', 'DER']);
    expect(Buffer.from(loadSealingKeyFile(o).publicKey)).toEqual(pub.subarray(pub.length - 32));
  });

  it('refuses group/world-readable files and malformed content', () => {
    const path = join(dir, 'open.json');
    createSealingKeyFile(path);
    chmodSync(path, 0o644);
    expect(() => loadSealingKeyFile(path)).toThrow(/chmod 600/);
    expect(loadSealingKeyFile(path, { allowInsecurePermissions: true }).publicKey).toHaveLength(32);
    expect(() => parseSealingKeyFile('{"type":"x"}')).toThrow(ChainAdapterError);
    expect(() => parseSealingKeyFile('nope')).toThrow(ChainAdapterError);
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    json['publicKey'] = Buffer.alloc(32).toString('base64url');
    expect(() => parseSealingKeyFile(JSON.stringify(json))).toThrow(/does not match/);
    writeFileSync(join(dir, 'x'), '');
  });
});
