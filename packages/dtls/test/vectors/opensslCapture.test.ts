/**
 * Vectors captured from a real OpenSSL 3 DTLS 1.2 handshake (s_client <-> s_server, PSK-AES128-CCM8,
 * extended master secret), with the master secret from OpenSSL's key log. From the PSK alone we must
 * derive the same master secret, the key block that decrypts both Finished records and the client's
 * application data, and the same Finished verify_data.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CipherSuites, keyBlockLength, splitKeyBlock } from '../../src/crypto/CipherSuite.js';
import { extendedMasterSecret, finishedVerifyData, keyBlock, pskPremasterSecret } from '../../src/crypto/prf.js';
import { createRecordCipher } from '../../src/crypto/RecordCipher.js';
import { encodeHandshake, parseFragments, type HandshakeFragment } from '../../src/handshake/HandshakeFragment.js';
import { parseServerHello } from '../../src/handshake/messages/ServerHello.js';
import { parseRecords, type DtlsRecord } from '../../src/record/Record.js';

interface Fixture {
  psk: string;
  identity: string;
  clientRandom: string;
  masterSecret: string;
  clientAppData: string;
  datagrams: { dir: 'c2s' | 's2c'; hex: string }[];
}

const fx = JSON.parse(readFileSync(new URL('../fixtures/openssl-psk-ccm8.json', import.meta.url), 'utf8')) as Fixture;

const records: { dir: string; rec: DtlsRecord }[] = [];
for (const d of fx.datagrams) {
  const out: DtlsRecord[] = [];
  expect(parseRecords(Buffer.from(d.hex, 'hex'), out)).toBeUndefined();
  for (const rec of out) records.push({ dir: d.dir, rec });
}

describe('captured OpenSSL PSK-AES128-CCM8 handshake', () => {
  // Transcript: epoch-0 handshake messages from the ClientHello carrying the cookie on (RFC 6347 §4.2.6).
  const transcript: Buffer[] = [];
  let serverRandom = Buffer.alloc(0);
  let cookieSeen = false;
  for (const { rec } of records) {
    if (rec.epoch !== 0 || rec.type !== 22) continue;
    const frags: HandshakeFragment[] = [];
    parseFragments(rec.fragment, frags);
    for (const f of frags) {
      if (f.type === 1 && !cookieSeen) {
        if (f.seq === 0) continue;
        cookieSeen = true;
      }
      if (f.type === 3) continue;
      transcript.push(encodeHandshake(f.type, f.seq, f.body));
      if (f.type === 2) serverRandom = Buffer.from(parseServerHello(f.body).random);
    }
  }
  const clientRandom = Buffer.from(fx.clientRandom, 'hex');
  const hashUpTo = (n: number): Buffer => {
    const h = createHash('sha256');
    for (const m of transcript.slice(0, n)) h.update(m);
    return h.digest();
  };
  const ckeIndex = transcript.findIndex((m) => m[0] === 16) + 1;
  const master = extendedMasterSecret(pskPremasterSecret(Buffer.from(fx.psk, 'hex')), hashUpTo(ckeIndex));
  const suite = CipherSuites.TLS_PSK_WITH_AES_128_CCM_8;
  const keys = splitKeyBlock(suite, keyBlock(master, clientRandom, serverRandom, keyBlockLength(suite)));
  const clientCipher = createRecordCipher(suite, keys.clientKey, keys.clientIv, keys.clientMacKey, () => new Uint8Array(0));
  const serverCipher = createRecordCipher(suite, keys.serverKey, keys.serverIv, keys.serverMacKey, () => new Uint8Array(0));
  const epoch1 = (dir: string, type: number): DtlsRecord[] => records.filter((r) => r.dir === dir && r.rec.epoch === 1 && r.rec.type === type).map((r) => r.rec);

  it('derives the master secret OpenSSL logged (extended master secret over the session hash)', () => {
    expect(transcript.map((m) => m[0])).toEqual([1, 2, 14, 16, 4]);
    expect(master.toString('hex')).toBe(fx.masterSecret);
  });

  it('opens the client Finished (CCM_8) and its verify_data matches', () => {
    const [fin] = epoch1('c2s', 22);
    if (!fin) throw new Error('no client Finished in capture');
    const pt = clientCipher.open(fin.type, fin.epoch, fin.seq, fin.fragment);
    expect(pt).toBeDefined();
    const frags: HandshakeFragment[] = [];
    parseFragments(pt as Buffer, frags);
    expect(frags[0]?.type).toBe(20);
    expect(frags[0]?.body.toString('hex')).toBe(finishedVerifyData(master, true, hashUpTo(ckeIndex)).toString('hex'));
    // Re-sealing with the same epoch/seq reproduces OpenSSL's record byte for byte.
    expect(clientCipher.seal(fin.type, fin.epoch, fin.seq, pt as Buffer).subarray(13).equals(fin.fragment)).toBe(true);
  });

  it('opens the server Finished; its verify_data covers the client Finished and the NewSessionTicket', () => {
    const serverFin = epoch1('s2c', 22)
      .map((r) => serverCipher.open(r.type, r.epoch, r.seq, r.fragment))
      .find((p) => p && p[0] === 20);
    if (!serverFin) throw new Error('no server Finished in capture');
    const [clientFin] = epoch1('c2s', 22);
    if (!clientFin) throw new Error('no client Finished in capture');
    const clientFinPt = clientCipher.open(clientFin.type, clientFin.epoch, clientFin.seq, clientFin.fragment) as Buffer;
    const h = createHash('sha256');
    for (const m of transcript.slice(0, ckeIndex)) h.update(m);
    h.update(clientFinPt);
    for (const m of transcript.slice(ckeIndex)) h.update(m); // NewSessionTicket
    expect(serverFin.subarray(12).toString('hex')).toBe(finishedVerifyData(master, false, h.digest()).toString('hex'));
  });

  it('decrypts the client application data', () => {
    const [app] = epoch1('c2s', 23);
    if (!app) throw new Error('no app data in capture');
    expect(clientCipher.open(app.type, app.epoch, app.seq, app.fragment)?.toString()).toBe(fx.clientAppData);
    expect(serverCipher.open(app.type, app.epoch, app.seq, app.fragment)).toBeUndefined();
  });
});
