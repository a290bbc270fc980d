import { usage } from './CliError.js';
import type { Values } from './Command.js';

/** A string option's value, `undefined` when absent. */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A non-negative integer option, `undefined` when absent; anything else is a usage error. */
export function int(values: Values, name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw usage(`--${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

/** `--offset` / `--limit` of every listing. */
export const PAGE_OPTIONS = {
  offset: { type: 'string', help: 'skip this many (default 0)' },
  limit: { type: 'string', help: 'at most this many (default 100)' },
} as const;

export function pageOf(values: Values): { offset: number; limit: number } {
  const limit = int(values, 'limit') ?? 100;
  if (limit < 1) throw usage('--limit must be at least 1');
  return { offset: int(values, 'offset') ?? 0, limit };
}
