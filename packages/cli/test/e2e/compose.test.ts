/** docker-compose.yml validates with Compose (no engine needed for `config`) and wires our CLI. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allCommands } from '../../src/commands/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const FILE = join(ROOT, 'docker-compose.yml');

/** `docker compose` (v2 plugin) when present, else `docker-compose` (v1, Debian's package). */
function compose(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const v2 = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const [cmd, pre] = v2.status === 0 ? ['docker', ['compose']] : ['docker-compose', []];
  const r = spawnSync(cmd, [...pre, '-f', FILE, ...args], { encoding: 'utf8', env: { ...process.env, CHAINM2M_JWT_SECRET: '' } });
  if (r.error) throw new Error(`neither 'docker compose' nor 'docker-compose' could run: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('docker-compose.yml', () => {
  it('validates', () => {
    const r = compose(['config', '-q']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has the chain, a one-shot deploy, both servers and an optional simulator running our commands', () => {
    const r = compose(['--profile', 'sim', 'config']);
    expect(r.status).toBe(0);
    for (const service of ['chain:', 'deploy:', 'bootstrap:', 'lwm2m-server:', 'sim:']) expect(r.stdout).toContain(service);
    const names = allCommands.map((c) => c.name);
    for (const cmd of ['deploy', 'up', 'sim']) expect(names).toContain(cmd);
    expect(r.stdout).toMatch(/- up\s+- --services\s+- bootstrap/);
    expect(r.stdout).toMatch(/- up\s+- --services\s+- server,api/);
    expect(r.stdout).toContain('CHAIN_RPC_URL: http://chain:8545');
  });

  it('starts each service when what it needs is healthy, checks every long-running one, keeps the simulator running', () => {
    const r = compose(['--profile', 'sim', 'config']);
    expect(r.status).toBe(0);
    const services = r.stdout.split(/\n  (?=[a-z0-9-]+:\n)/);
    const block = (name: string): string => services.find((s) => s.startsWith(`${name}:`)) ?? '';
    for (const name of ['chain', 'bootstrap', 'lwm2m-server']) expect(block(name), name).toMatch(/healthcheck:[\s\S]*healthcheck\.mjs/);
    expect(block('chain')).toContain('/app/contracts/node_modules/.bin/anvil');
    expect(block('deploy')).toMatch(/chain:\s+condition: service_healthy/);
    expect(block('sim')).toMatch(/bootstrap:\s+condition: service_healthy/);
    expect(block('sim')).toMatch(/lwm2m-server:\s+condition: service_healthy/);
    expect(block('sim')).toContain('- --keep');
    expect(r.stdout).not.toContain('ghcr.io');
  });
});
