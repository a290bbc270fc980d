import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileContracts, serializeArtifact } from '../src/compile.js';

const outDir = fileURLToPath(new URL('../artifacts/', import.meta.url));
const started = performance.now();
const { artifacts, warnings } = compileContracts();
for (const w of warnings) console.warn(w);
mkdirSync(outDir, { recursive: true });
for (const artifact of Object.values(artifacts)) {
  writeFileSync(`${outDir}${artifact.contractName}.json`, serializeArtifact(artifact));
  console.log(`${artifact.contractName}: ${(artifact.bytecode.length - 2) / 2} bytes of creation code`);
}
console.log(`compiled in ${Math.round(performance.now() - started)} ms with solc ${Object.values(artifacts)[0]?.solcVersion ?? '?'}`);
