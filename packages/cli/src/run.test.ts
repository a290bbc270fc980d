import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, SystemRandom } from '@chainm2m/lwm2m';
import { EndpointService, UserService } from '@chainm2m/lwm2m-server';
import { run } from './run.js';
import type { Management } from './Command.js';
import { allCommands } from './commands/index.js';
import { memoryIo } from './testing.js';

function inMemory(): Management {
  const security = new InMemorySecurityStore();
  return {
    endpoints: new EndpointService(
      security,
      { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 },
      SystemRandom,
      'cli-test',
    ),
    users: new UserService(new InMemoryUserDirectory(), { hash: async (p) => `plain:${p}`, verify: async (p, v) => v === `plain:${p}` }),
    anomalies: new InMemoryAnomalyLog(),
    close: async () => undefined,
  };
}

function harness() {
  const m = inMemory();
  return async (argv: string[], opts: { stdin?: string } = {}) => {
    const io = memoryIo(opts);
    const code = await run(argv, io, { commands: allCommands, openManagement: async () => m });
    return { code, out: io.out(), err: io.err() };
  };
}

describe('chainm2m CLI', () => {
  it('prints help with exit 0, and usage errors with exit 2', async () => {
    const cli = harness();
    expect((await cli(['--help'])).out).toContain('endpoints add');
    expect((await cli(['endpoints', 'add', '--help'])).out).toContain('--psk-text');
    expect((await cli(['endpoints', '--help'])).out).toContain('endpoints import');
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'frobnicate'");
    const missing = await cli(['endpoints', 'add']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing <ep>');
    expect((await cli(['endpoints', 'list', '--bogus'])).code).toBe(2);
  });

  it('adds an endpoint with a text key, shows keys once, lists and shows it without keys', async () => {
    const cli = harness();
    const added = await cli(['endpoints', 'add', 'dev-1', '--psk-text', 'secretKey1', '--json']);
    expect(added.code).toBe(0);
    const secrets = JSON.parse(added.out);
    expect(secrets).toMatchObject({ endpoint: 'dev-1', identity: 'dev-1', bsIdentity: 'bs/dev-1', pskHex: Buffer.from('secretKey1').toString('hex') });
    const list = await cli(['endpoints', 'list']);
    expect(list.out).toContain('dev-1');
    expect(list.out).not.toContain(secrets.pskHex);
    const show = await cli(['endpoints', 'show', 'dev-1', '--json']);
    expect(JSON.parse(show.out).server.identity).toBe('dev-1');
    expect(show.out).not.toContain(secrets.bsPskHex);
  });

  it('refuses bad input with a clear message: invalid name, duplicate, wrong key length', async () => {
    const cli = harness();
    const bad = await cli(['endpoints', 'add', 'bad name']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('endpoint');
    const short = await cli(['endpoints', 'add', 'dev-2', '--psk', 'abcd']);
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/8 to 64 bytes/);
    expect(short.err).not.toContain('abcd');
    const shortText = await cli(['endpoints', 'add', 'dev-2', '--psk-text', 'x']);
    expect(shortText.code).toBe(2);
    expect(shortText.err).toMatch(/--psk-text: must be 8 to 64 bytes/);
    expect(shortText.err).not.toMatch(/--psk:/);
    await cli(['endpoints', 'add', 'dev-3']);
    const dup = await cli(['endpoints', 'add', 'dev-3']);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/duplicate|exists/i);
    const dupIdentity = await cli(['endpoints', 'add', 'dev-4', '--identity', 'dev-3']);
    expect(dupIdentity.code).toBe(1);
    expect(dupIdentity.err).toContain('identity');
  });

  it('imports a CSV with progress, reports bad lines by number, writes keys 0600, and is safe to re-run', async () => {
    const cli = harness();
    const dir = mkdtempSync(join(tmpdir(), 'cli-import-'));
    const file = join(dir, 'devices.csv');
    writeFileSync(file, ['endpoint,psk,lifetime', 'a,00112233445566778899aabbccddeeff,60', 'b,,', 'bad name,,', 'c,zz,', 'd,,x', 'e,,120'].join('\n'));
    const first = await cli(['endpoints', 'import', file]);
    expect(first.code).toBe(1);
    expect(first.out).toContain('Added 3, already present 0, failed 3.');
    expect(first.out).toContain('line 4 (bad name)');
    expect(first.out).toContain('line 5 (c): psk: is not valid hex');
    expect(first.out).toContain('line 6 (d)');
    expect(first.err).toContain('importing [');
    // Six lines in the file: the progress ends at 6/6, the lines refused before the chain included.
    expect(first.err.trim().split('\n').at(-1)).toMatch(/ 6\/6 \(100%\)$/);
    const keys = readFileSync(`${file}.keys.csv`, 'utf8');
    expect(keys.split('\n')[1]).toMatch(/^a,a,00112233445566778899aabbccddeeff,bs\/a,[0-9a-f]{32}$/);
    expect(statSync(`${file}.keys.csv`).mode & 0o777).toBe(0o600);
    const again = await cli(['endpoints', 'import', file, '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ added: 0, skipped: 3 });
  });

  it('rotates and removes endpoints', async () => {
    const cli = harness();
    const a = JSON.parse((await cli(['endpoints', 'add', 'r1', '--json'])).out);
    const b = JSON.parse((await cli(['endpoints', 'rotate', 'r1', '--json'])).out);
    expect(b.pskHex).not.toBe(a.pskHex);
    expect((await cli(['endpoints', 'remove', 'r1', '--compromised'])).out).toContain('Removed r1 (compromised)');
    expect((await cli(['endpoints', 'show', 'r1'])).code).toBe(1);
  });

  it('up refuses the NoSec refinements without --nosec, and a zero cap', async () => {
    const cli = harness();
    for (const argv of [['up', '--nosec-open'], ['up', '--nosec-endpoints', 'lab-1'], ['up', '--nosec-max', '10'], ['up', '--nosec', '--nosec-max', '0'], ['up', '--nosec', '--nosec-max', 'ten']]) {
      const res = await cli(argv);
      expect(res.code, argv.join(' ')).toBe(2);
      expect(res.err).toContain('--nosec');
    }
  });

  it('manages users with a password from stdin and never prints it', async () => {
    const cli = harness();
    const add = await cli(['users', 'add', 'alice', '--role', 'application', '--password-stdin'], { stdin: 'alice-password\n' });
    expect(add.code).toBe(0);
    expect(add.out).not.toContain('alice-password');
    expect((await cli(['users', 'add', 'bob', '--role', 'root', '--password-stdin'], { stdin: 'x' })).code).toBe(2);
    expect((await cli(['users', 'add', 'bob', '--role', 'user'])).err).toContain('--password-stdin');
    expect((await cli(['users', 'set-role', 'alice', 'admin'])).out).toContain('alice is now admin');
    const passwd = await cli(['users', 'passwd', 'alice', '--password-stdin'], { stdin: 'alice-new-password\n' });
    expect(passwd.code).toBe(0);
    expect(passwd.out).toContain('Changed the password of alice');
    expect(passwd.out).not.toContain('alice-new-password');
    expect((await cli(['users', 'passwd', 'nobody', '--password-stdin'], { stdin: 'some-new-password\n' })).code).toBe(1);
    expect((await cli(['users', 'passwd', 'alice', '--password-stdin'], { stdin: 'short\n' })).code).not.toBe(0);
    await cli(['users', 'disable', 'alice']);
    const list = JSON.parse((await cli(['users', 'list', '--json'])).out);
    expect(list.items).toEqual([expect.objectContaining({ username: 'alice', role: 'admin', active: false })]);
  });

  it('adds and lists anomalies with filters', async () => {
    const cli = harness();
    await cli(['anomalies', 'add', 'dev-1', '--kind', 'hot', '--severity', '3', '--collected-at', '1000']);
    await cli(['anomalies', 'add', 'dev-2', '--kind', 'cold', '--severity', '1', '--collected-at', '2000']);
    const listed = JSON.parse((await cli(['anomalies', 'list', '--endpoint', 'dev-1', '--json'])).out);
    expect(listed.items.map((a: { kind: string }) => a.kind)).toEqual(['hot']);
    const since = JSON.parse((await cli(['anomalies', 'list', '--since', '1500', '--json'])).out);
    expect(since.items.map((a: { endpoint: string }) => a.endpoint)).toEqual(['dev-2']);
    expect((await cli(['anomalies', 'add', 'dev-1', '--kind', 'x', '--severity', '300'])).code).toBe(2);
  });
});
