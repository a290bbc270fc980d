/**
 * The main entry must never reach vitest: the conformance suites live behind
 * `@chainm2m/lwm2m/testing` only. Walks the relative-import graph from `src/index.ts`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const specifiers: string[] = [];
    for (const m of text.matchAll(IMPORT)) specifiers.push((m[1] ?? m[2]) as string);
    seen.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith('.')) stack.push(join(dirname(file), s.replace(/\.js$/, '.ts')));
    }
  }
  return seen;
}

describe('package entry points', () => {
  it('the main index reaches neither vitest nor the testing folder', () => {
    const graph = reachable(join(SRC, 'index.ts'));
    expect(graph.size).toBeGreaterThan(20);
    for (const [file, specifiers] of graph) {
      expect(specifiers.filter((s) => s === 'vitest' || s.startsWith('vitest/')), file).toEqual([]);
      expect(file.startsWith(join(SRC, 'testing')), file).toBe(false);
    }
  });

  it('the testing entry does reach the suites (so the check above is meaningful)', () => {
    const graph = reachable(join(SRC, 'testing', 'index.ts'));
    expect([...graph.values()].some((specifiers) => specifiers.includes('vitest'))).toBe(true);
  });
});
