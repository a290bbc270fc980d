#!/usr/bin/env node
// The test command (`npm test`, or `pnpm test`): installs the node modules when missing, brings the
// interop peers the tests use (OpenSSL, libcoap, GnuTLS, mbedTLS, Chromium, Compose) on Debian when run as
// root, says which are missing elsewhere (those tests are then reported as skipped, naming the peer),
// and runs vitest with any arguments given.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each peer: how to tell it is there, and its Debian package. */
const PEERS = [
  { name: 'openssl', present: () => onPath('openssl'), apt: 'openssl' },
  { name: 'coap-client-openssl (libcoap)', present: () => onPath('coap-client-openssl'), apt: 'libcoap3-bin' },
  { name: 'gnutls-cli (GnuTLS)', present: () => onPath('gnutls-cli'), apt: 'gnutls-bin' },
  { name: '/usr/bin/chromium', present: () => existsSync('/usr/bin/chromium'), apt: 'chromium' },
  { name: 'mbedTLS headers (libmbedtls-dev)', present: () => existsSync('/usr/include/mbedtls/ssl.h'), apt: 'libmbedtls-dev' },
  { name: 'gcc', present: () => onPath('gcc'), apt: 'gcc' },
  { name: 'docker compose or docker-compose', present: () => spawnSync('docker', ['compose', 'version']).status === 0 || onPath('docker-compose'), apt: 'docker-compose' },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

ensureDeps();
let missing = PEERS.filter((p) => !p.present());
const canApt = missing.length > 0 && existsSync('/etc/debian_version') && process.getuid?.() === 0 && onPath('apt-get');
if (canApt) {
  process.stderr.write(`installing the interop peers: ${missing.map((p) => p.apt).join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', ...missing.map((p) => p.apt)], { stdio: 'inherit', env });
  missing = PEERS.filter((p) => !p.present());
}
if (missing.length > 0) process.stderr.write(`missing interop peers (their tests will be skipped): ${missing.map((p) => p.name).join(', ')}\n`);
const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
