import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectRegistry } from '@chainm2m/lwm2m';
import { CliError } from '../CliError.js';

/**
 * The object registry of the servers: the built-in objects, plus every OMA DDF XML file (`*.xml`)
 * of `dir` (`--models DIR`, `CHAINM2M_MODELS`), which add to or replace them. A file that does not
 * parse stops the start with its name and the reason.
 */
export function loadModels(dir: string | undefined): { registry: ObjectRegistry; loaded: number[] } {
  const registry = new ObjectRegistry();
  if (dir === undefined) return { registry, loaded: [] };
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
  } catch (cause) {
    throw new CliError('CLI_BAD_INPUT', `--models: cannot read directory ${dir} (${(cause as Error).message})`, { cause });
  }
  const loaded: number[] = [];
  for (const f of files) {
    try {
      for (const m of registry.loadDdf(readFileSync(join(dir, f), 'utf8'))) loaded.push(m.id);
    } catch (cause) {
      throw new CliError('CLI_BAD_INPUT', `--models: ${f}: ${(cause as Error).message}`, { cause });
    }
  }
  return { registry, loaded };
}
