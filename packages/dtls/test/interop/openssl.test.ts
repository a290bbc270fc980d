/**
 * OpenSSL 3 as the peer: `s_client` against our server for each suite (and the failure cases), our
 * client against `s_server -nocert -psk`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertDescription, DtlsClient, DtlsError, type CipherSuiteName } from '../../src/index.js';
import { startEchoServer, PSK_HEX, type EchoServer } from '../helpers/echoServer.js';
import { killAll, run, start } from '../helpers/processes.js';

const SUITES: [CipherSuiteName, string][] = [
  ['TLS_PSK_WITH_AES_128_CCM_8', 'PSK-AES128-CCM8'],
  ['TLS_PSK_WITH_AES_128_CCM', 'PSK-AES128-CCM'],
  ['TLS_PSK_WITH_AES_128_GCM_SHA256', 'PSK-AES128-GCM-SHA256'],
  ['TLS_PSK_WITH_AES_128_CBC_SHA256', 'PSK-AES128-CBC-SHA256'],
];

function sClient(port: number, opts: { cipher?: string; psk?: string; identity?: string; input: string }): ReturnType<typeof run> {
  const args = ['s_client', '-dtls1_2', '-psk', opts.psk ?? PSK_HEX, '-psk_identity', opts.identity ?? 'dev1', '-connect', `127.0.0.1:${port}`];
  if (opts.cipher) args.push('-cipher', opts.cipher);
  // Keep stdin open until our echo arrives (s_client quits on EOF); failures end s_client by themselves.
  return run('openssl', args, { timeoutMs: 15_000, input: opts.input, closeStdinOn: /echo:/, keepStdinOpenMs: 10_000 });
}

describe('openssl s_client -> DtlsServer', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo.server.close();
    killAll();
  });

  for (const [name, osslName] of SUITES) {
    it(`completes a ${osslName} handshake and exchanges application data`, async () => {
      const r = await sClient(echo.port, { cipher: osslName, input: `hello ${osslName}\n` });
      expect(r.stdout).toContain(`Cipher is ${osslName}`);
      expect(r.stdout).toContain(`echo:hello ${osslName}`);
      expect(r.stdout).toContain('Secure Renegotiation IS supported');
      expect(r.stdout).toMatch(/Extended master secret: yes/);
      const up = echo.sessions.find((s) => s.kind === 'up' && s.security.cipherSuite === name);
      expect(up).toBeDefined();
      expect(up?.kind === 'up' && up.security.pskIdentity).toBe('dev1');
    });
  }

  it('uses the server preference order when the client offers several suites', async () => {
    const r = await sClient(echo.port, { cipher: 'PSK-AES128-GCM-SHA256:PSK-AES128-CCM8', input: 'pref\n' });
    expect(r.stdout).toContain('Cipher is PSK-AES128-CCM8');
  });

  it('unknown identity: decrypt_error alert exactly as for a wrong key (no identity oracle), reported, and the server keeps serving', async () => {
    const r = await sClient(echo.port, { identity: 'nobody', cipher: 'PSK-AES128-CCM8', input: 'x\n' });
    expect(r.stderr + r.stdout).toMatch(/alert decrypt error|SSL alert number 51/);
    expect(echo.failures.some((f) => f.identity === 'nobody' && f.alert === AlertDescription.DecryptError && f.reason === 'unknown PSK identity')).toBe(true);
    const ok = await sClient(echo.port, { cipher: 'PSK-AES128-CCM8', input: 'after\n' });
    expect(ok.stdout).toContain('echo:after');
  });

  it('wrong key: decrypt_error alert, reported, and the server keeps serving', async () => {
    const r = await sClient(echo.port, { psk: 'ffeeddccbbaa99887766554433221100', cipher: 'PSK-AES128-CCM8', input: 'x\n' });
    expect(r.stderr + r.stdout).toMatch(/alert decrypt error|SSL alert number 51/);
    expect(echo.failures.some((f) => f.identity === 'dev1' && f.alert === AlertDescription.DecryptError)).toBe(true);
    const ok = await sClient(echo.port, { cipher: 'PSK-AES128-GCM-SHA256', input: 'after2\n' });
    expect(ok.stdout).toContain('echo:after2');
  });

  it('unknownIdentityAlert: unknown_psk_identity restores alert 115', async () => {
    const loud = await startEchoServer({ unknownIdentityAlert: 'unknown_psk_identity' });
    try {
      const r = await sClient(loud.port, { identity: 'nobody', cipher: 'PSK-AES128-CCM8', input: 'x\n' });
      expect(r.stderr + r.stdout).toMatch(/alert unknown psk identity|SSL alert number 115/);
    } finally {
      await loud.server.close();
    }
  });

  it('sends no identity hint by default, and the configured one in a ServerKeyExchange', async () => {
    const plain = await sClient(echo.port, { cipher: 'PSK-AES128-CCM8', input: 'nohint\n' });
    expect(plain.stdout).toContain('echo:nohint');
    expect(plain.stdout).toMatch(/PSK identity hint: None/);
    const hinted = await startEchoServer({ identityHint: 'hint-x' });
    try {
      const r = await sClient(hinted.port, { cipher: 'PSK-AES128-CCM8', input: 'hint\n' });
      expect(r.stdout).toContain('PSK identity hint: hint-x');
      expect(r.stdout).toContain('echo:hint');
    } finally {
      await hinted.server.close();
    }
  });

  it('no common suite: handshake_failure alert', async () => {
    const only = await startEchoServer({ cipherSuites: ['TLS_PSK_WITH_AES_128_CCM_8'] });
    try {
      const r = await sClient(only.port, { cipher: 'PSK-AES128-GCM-SHA256', input: 'x\n' });
      expect(r.stderr + r.stdout).toMatch(/alert handshake failure|SSL alert number 40/);
      expect(only.failures.map((f) => f.alert)).toContain(AlertDescription.HandshakeFailure);
      expect(only.server.stats().sessions).toBe(0);
    } finally {
      await only.server.close();
    }
  });
});

describe('DtlsClient -> openssl s_server', () => {
  afterEach(() => killAll());

  async function sServer(cipher: string, psk = PSK_HEX): Promise<{ port: number; srv: ReturnType<typeof start> }> {
    // Port 0: s_server prints the ephemeral port it bound ("ACCEPT 127.0.0.1:40702").
    const srv = start('openssl', ['s_server', '-dtls1_2', '-nocert', '-psk', psk, '-cipher', cipher, '-accept', '127.0.0.1:0']);
    if (!(await srv.waitFor(/ACCEPT 127\.0\.0\.1:\d+/, 5000))) {
      srv.proc.kill('SIGKILL');
      throw new Error('s_server did not start');
    }
    const port = Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(srv.output())?.[1]);
    return { port, srv };
  }

  for (const [name, osslName] of SUITES) {
    it(`handshakes with ${osslName} and delivers data`, async () => {
      const { port, srv } = await sServer(osslName);
      const c = await DtlsClient.connect({ host: '127.0.0.1', port, identity: 'dev1', key: Buffer.from(PSK_HEX, 'hex'), cipherSuites: [name], timeoutMs: 10_000 });
      try {
        expect(c.cipherSuite).toBe(name);
        await c.send(c.peer, Buffer.from(`from-node ${name}\n`));
        expect(await srv.waitFor(new RegExp(`from-node ${name}`), 10_000)).toBe(true);
        expect(srv.output()).toContain(`CIPHER is ${osslName}`);
        // s_server forwards its stdin to the client.
        const got = new Promise<string>((resolve) => c.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
        srv.proc.stdin?.write('from-openssl\n');
        expect(await got).toBe('from-openssl\n');
      } finally {
        await c.close();
        srv.proc.kill('SIGKILL');
      }
    });
  }

  it('fails cleanly with a wrong key (timeout, since OpenSSL drops records it cannot authenticate)', async () => {
    const { port, srv } = await sServer('PSK-AES128-CCM8', 'ffeeddccbbaa99887766554433221100');
    try {
      const err = await DtlsClient.connect({
        host: '127.0.0.1',
        port,
        identity: 'dev1',
        key: Buffer.from(PSK_HEX, 'hex'),
        cipherSuites: ['TLS_PSK_WITH_AES_128_CCM_8'],
        timeoutMs: 1500,
        retransmitInitialMs: 200,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DtlsError);
      expect(['DTLS_ALERT', 'DTLS_HANDSHAKE_TIMEOUT']).toContain((err as DtlsError).code);
    } finally {
      srv.proc.kill('SIGKILL');
    }
  });
});
