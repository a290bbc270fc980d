#!/usr/bin/env node
// Installs the project's node modules when they are missing or older than pnpm-lock.yaml, with the
// pnpm version package.json names: the one on PATH when it matches, else fetched by npx (npm ships
// with Node.js, so a machine with only Node.js 20 is enough). Used by ./chainm2m and `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function pnpmCommand() {
  const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.replace(/^pnpm@/, '');
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() === wanted) return ['pnpm'];
  return ['npx', '--yes', `pnpm@${wanted}`];
}

export function depsStale() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  return !existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, 'pnpm-lock.yaml')).mtimeMs;
}

export function ensureDeps() {
  if (!depsStale()) return;
  const [cmd, ...pre] = pnpmCommand();
  process.stderr.write(`chainm2m: installing node modules (${[cmd, ...pre].join(' ')} install --frozen-lockfile)…\n`);
  const r = spawnSync(cmd, [...pre, 'install', '--frozen-lockfile'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`chainm2m: installing node modules failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureDeps();
