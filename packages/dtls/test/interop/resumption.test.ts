/**
 * Resumption by session id with real peers: `openssl s_client -sess_out` then `-sess_in` prints
 * `Reused` against our server; `gnutls-cli --udp -r` (full, then resumed) against our server; our
 * client resumes against `openssl s_server`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DtlsClient, type ResumableSession } from '../../src/index.js';
import { startEchoServer, PSK_HEX, type EchoServer } from '../helpers/echoServer.js';
import { killAll, run, start } from '../helpers/processes.js';

let echo: EchoServer;
let dir: string;
beforeAll(async () => {
  echo = await startEchoServer();
  dir = mkdtempSync(join(tmpdir(), 'dtls-resume-'));
});
afterAll(async () => {
  await echo.server.close();
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

function sClient(port: number, extra: string[], input: string): ReturnType<typeof run> {
  const args = ['s_client', '-dtls1_2', '-psk', PSK_HEX, '-psk_identity', 'dev1', '-cipher', 'PSK-AES128-CCM8', '-connect', `127.0.0.1:${port}`, ...extra];
  return run('openssl', args, { timeoutMs: 15_000, input, closeStdinOn: /echo:/, keepStdinOpenMs: 10_000 });
}

describe('openssl s_client -> DtlsServer', () => {
  it('-sess_out then -sess_in: Reused (abbreviated handshake), data still flows', async () => {
    const sess = join(dir, 'ossl.pem');
    const before = echo.server.stats();
    const full = await sClient(echo.port, ['-sess_out', sess], 'first\n');
    expect(full.stdout).toContain('New, TLSv1.2, Cipher is PSK-AES128-CCM8');
    expect(full.stdout).toContain('echo:first');
    const again = await sClient(echo.port, ['-sess_in', sess], 'second\n');
    expect(again.stdout).toContain('Reused, TLSv1.2, Cipher is PSK-AES128-CCM8');
    expect(again.stdout).toContain('echo:second');
    const after = echo.server.stats();
    expect(after.handshakesCompleted - before.handshakesCompleted).toBe(2);
    expect(after.handshakesResumed - before.handshakesResumed).toBe(1);
  });
});

describe('gnutls-cli -> DtlsServer', () => {
  it('--udp --pskusername --pskkey -r: a full handshake, then a resumed one', async () => {
    const before = echo.server.stats();
    const r = await run(
      'gnutls-cli',
      ['--udp', '--port', String(echo.port), '127.0.0.1', '--pskusername', 'dev1', '--pskkey', PSK_HEX, '--priority', 'NORMAL:+PSK:+AES-128-CCM-8:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+PSK', '-r'],
      { timeoutMs: 20_000, input: 'via gnutls\n', keepStdinOpenMs: 4000 },
    );
    expect(r.stdout).toContain('- Handshake was completed');
    expect(r.stdout).toContain('- Resume Handshake was completed');
    expect(r.stdout).toContain('*** This is a resumed session');
    expect(r.stdout).toContain('echo:via gnutls');
    const after = echo.server.stats();
    expect(after.handshakesResumed - before.handshakesResumed).toBe(1);
  });
});

describe('DtlsClient -> openssl s_server', () => {
  it('resumes the session s_server cached', async () => {
    const srv = start('openssl', ['s_server', '-dtls1_2', '-nocert', '-psk', PSK_HEX, '-cipher', 'PSK-AES128-CCM8', '-accept', '127.0.0.1:0', '-naccept', '2']); // s_server ends after two connections
    try {
      expect(await srv.waitFor(/ACCEPT 127\.0\.0\.1:\d+/, 5000)).toBe(true);
      const port = Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(srv.output())?.[1]);
      const key = Buffer.from(PSK_HEX, 'hex');
      const first = await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'dev1', key, timeoutMs: 10_000 });
      expect(first.resumed).toBe(false);
      const saved = first.resumable() as ResumableSession;
      expect(saved).toBeDefined();
      await first.close();
      expect(await srv.waitFor(/DONE/, 5000)).toBe(true); // s_server is done with the first connection
      const second = await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'dev1', key, timeoutMs: 10_000, resume: saved });
      try {
        expect(second.resumed).toBe(true);
        expect(await srv.waitFor(/Reused session-id/, 5000)).toBe(true);
        await second.send(second.peer, Buffer.from('resumed from node\n'));
        expect(await srv.waitFor(/resumed from node/, 10_000)).toBe(true);
        const got = new Promise<string>((resolve) => second.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
        srv.proc.stdin?.write('from-openssl\n');
        expect(await got).toBe('from-openssl\n');
      } finally {
        await second.close();
      }
    } finally {
      srv.proc.kill('SIGKILL');
    }
  });
});
