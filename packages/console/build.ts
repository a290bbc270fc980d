import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));

/** Where the built console lives (served by the REST API at `/`). */
export const consoleDist = join(ROOT, 'dist');

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** `true` when `dist/` is missing or older than a source file. */
export function consoleBuildStale(): boolean {
  const index = join(consoleDist, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return [join(ROOT, 'src'), join(ROOT, 'index.html'), join(ROOT, 'vite.config.ts')].some((p) =>
    statSync(p).isDirectory() ? newest(p) > built : statSync(p).mtimeMs > built,
  );
}

/**
 * Builds the console with Vite when `dist/` is missing or stale (a fresh clone builds it on the first
 * `chainm2m up`, in a few seconds); returns the directory to serve.
 */
export async function ensureConsoleBuilt(log: (line: string) => void = () => undefined): Promise<string> {
  if (!consoleBuildStale()) return consoleDist;
  log('building the web console (first start only)…');
  const { build } = await import('vite');
  // Built beside, then moved in place: a server (or another process building too) never serves a half-written dist.
  const tmp = `${consoleDist}.build-${process.pid}`;
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
  rmSync(consoleDist, { recursive: true, force: true });
  try {
    renameSync(tmp, consoleDist);
  } catch (err) {
    // Another process moved its build in first: theirs is as good.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(consoleDist, 'index.html'))) throw err;
  }
  return consoleDist;
}
