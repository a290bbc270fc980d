import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, bodyOf, canonicalRecordBytes, parseRecord, recordHash, sha256Hex, type RecordBody } from './ProvenanceRecord.js';
import { sampleBody } from './testing.js';
import { RecordSigner, signAppRequest, verifyAppSignature, verifyRecordSignature } from './RecordSigner.js';

const T = Date.parse('2026-12-04T18:05:00Z');

describe('canonical encoding', () => {
  it('is the documented JSON array, field by field', () => {
    const b = sampleBody();
    expect(canonicalRecordBytes(b).toString('utf8')).toBe(
      `["chainm2m-provenance-v1",1,${T},"Zk3vQp9xL2aB7cDe","user:operator-anna","user:operator-anna",9,"endpoint:urn:imei:356938035643809",3,"begin","read","/3303/0/5700",11543,null,"${b.answerSha256}","2.05",true,null,"${GENESIS_HASH}",null]`,
    );
  });

  it('is deterministic and every field changes the hash', () => {
    const b = sampleBody();
    const h = recordHash(b);
    expect(recordHash({ ...b })).toBe(h);
    const variants: Partial<RecordBody>[] = [
      { seq: 2 },
      { time: T + 1 },
      { tx: 'other' },
      { provenance: 'user:x' },
      { sender: 'user:x' },
      { senderClearance: 8 },
      { receiver: 'endpoint:y' },
      { receiverClearance: 4 },
      { action: 'continue' },
      { operation: 'write' },
      { path: '/3303/0/5701' },
      { contentFormat: 110 },
      { requestSha256: sha256Hex('x') },
      { answerSha256: null },
      { outcome: '4.04' },
      { valid: false },
      { reason: 'SENDER_BELOW_RECEIVER' },
      { prevHash: 'f'.repeat(64) },
    ];
    for (const v of variants) expect(recordHash(sampleBody(v)), JSON.stringify(v)).not.toBe(h);
  });

  it('a string holding the separators cannot collide with two fields', () => {
    expect(recordHash(sampleBody({ tx: 'a","b' }))).not.toBe(recordHash(sampleBody({ tx: 'a', provenance: 'b' })));
  });
});

describe('signatures', () => {
  it('the server signs the record hash with Ed25519; another key or hash fails', () => {
    const s = RecordSigner.generate();
    const h = recordHash(sampleBody());
    const sig = s.signHash(h);
    expect(verifyRecordSignature(h, sig, s.publicKey)).toBe(true);
    expect(verifyRecordSignature(recordHash(sampleBody({ seq: 2 })), sig, s.publicKey)).toBe(false);
    expect(verifyRecordSignature(h, sig, RecordSigner.generate().publicKey)).toBe(false);
    expect(verifyRecordSignature(h, 'AAAA', s.publicKey)).toBe(false);
    expect(verifyRecordSignature(h, sig, 'not-a-key')).toBe(false);
    expect(s.publicKeyBytes32).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('an application signature covers method, path, body digest and transaction id', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const body = '{"value":"22.5"}';
    const s = signAppRequest(privateKey, 'put', '/api/clients/urn:imei:356938035643809/3303/0/5700', body, 'Zk3vQp9xL2aB7cDe');
    expect(s.method).toBe('PUT');
    expect(s.bodySha256).toBe(sha256Hex(body));
    expect(verifyAppSignature({ tx: 'Zk3vQp9xL2aB7cDe' }, s)).toBe(true);
    expect(verifyAppSignature({ tx: 'other' }, s)).toBe(false);
    expect(verifyAppSignature({ tx: 'Zk3vQp9xL2aB7cDe' }, { ...s, target: '/api/clients/x/3/0' })).toBe(false);
    expect(verifyAppSignature({ tx: 'Zk3vQp9xL2aB7cDe' }, { ...s, bodySha256: sha256Hex('{}') })).toBe(false);
  });
});

describe('parseRecord', () => {
  it('round-trips and refuses malformed fields', () => {
    const body = sampleBody();
    const r = { ...body, hash: recordHash(body), signature: RecordSigner.generate().signHash(recordHash(body)) };
    expect(parseRecord(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(bodyOf(r)).toEqual(body);
    for (const bad of [{ seq: -1 }, { seq: 1.5 }, { action: 'open' }, { prevHash: 'xyz' }, { valid: 'yes' }, { contentFormat: 70000 }, { signature: 'a b' }]) {
      expect(() => parseRecord({ ...r, ...bad }), JSON.stringify(bad)).toThrow(/malformed provenance record/);
    }
    expect(() => parseRecord(null)).toThrow();
    expect(() => parseRecord([])).toThrow();
  });
});
