/**
 * Codec throughput: encode and decode of the Device object instance /3/0 (the TS example, 13
 * resources) in TLV, SenML-JSON, SenML-CBOR and LwM2M JSON, beside JSON.stringify/JSON.parse of the
 * same data as a plain object (the ceiling for a JavaScript text format).
 */
import { performance } from 'node:perf_hooks';
import { ContentFormat, ObjectRegistry, decodeNode, encodeNode } from '../packages/lwm2m/src/index.js';
import { deviceInstance } from '../packages/lwm2m/src/codec/testVectors.js';
import { report, summarize } from './lib/stats.js';

const BATCH = 200;
const DURATION_MS = 1200;

/**
 * Runs `fn` in batches for DURATION_MS. Throughput is taken from the median batch (1e6 / p50 µs per
 * op), which is robust to the preemptions of a shared 2-core machine; `meanOpsPerSec` is the raw mean.
 */
function measure(fn: () => unknown): { opsPerSec: number; meanOpsPerSec: number; usPerOp: ReturnType<typeof summarize> } {
  for (let i = 0; i < 2000; i++) fn(); // warm-up (JIT)
  const samples: number[] = [];
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < DURATION_MS) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / BATCH);
    ops += BATCH;
  }
  const elapsed = performance.now() - start;
  const usPerOp = summarize(samples);
  return { opsPerSec: 1e6 / usPerOp.p50, meanOpsPerSec: (ops * 1000) / elapsed, usPerOp };
}

const model = new ObjectRegistry();
const node = deviceInstance();
const path = '/3/0';

// The same data as a plain object, for the JSON baseline.
const plain = {
  0: 'Open Mobile Alliance',
  1: 'Lightweight M2M Client',
  2: '345000123',
  3: '1.0',
  6: { 0: 1, 1: 5 },
  7: { 0: 3800, 1: 5000 },
  8: { 0: 125, 1: 900 },
  9: 100,
  10: 15,
  11: { 0: 0 },
  13: 1367491215,
  14: '+02:00',
  16: 'U',
};
const plainText = JSON.stringify(plain);

const formats: [string, number][] = [
  ['TLV', ContentFormat.Tlv],
  ['SenML-JSON', ContentFormat.SenmlJson],
  ['SenML-CBOR', ContentFormat.SenmlCbor],
  ['LwM2M-JSON', ContentFormat.Json],
];

const results: Record<string, unknown> = {};
const lines: string[] = [];
const enc = new TextEncoder();
const dec = new TextDecoder();

const jsonEnc = measure(() => enc.encode(JSON.stringify(plain)));
const plainBytes = enc.encode(plainText);
const jsonDec = measure(() => JSON.parse(dec.decode(plainBytes)));
results['JSON.stringify/parse (baseline)'] = { bytes: plainBytes.length, encodePerSec: jsonEnc.opsPerSec, decodePerSec: jsonDec.opsPerSec, encodeUs: jsonEnc.usPerOp, decodeUs: jsonDec.usPerOp };
lines.push(`JSON.stringify/parse baseline: ${plainBytes.length} B, encode ${Math.round(jsonEnc.opsPerSec).toLocaleString('en')}/s, decode ${Math.round(jsonDec.opsPerSec).toLocaleString('en')}/s`);

for (const [name, format] of formats) {
  const bytes = encodeNode(node, format, { path });
  const e = measure(() => encodeNode(node, format, { path }));
  const d = measure(() => decodeNode(bytes, format, { path, model }));
  results[name] = { bytes: bytes.length, encodePerSec: e.opsPerSec, decodePerSec: d.opsPerSec, encodeUs: e.usPerOp, decodeUs: d.usPerOp };
  lines.push(
    `${name.padEnd(10)} ${String(bytes.length).padStart(4)} B, encode ${Math.round(e.opsPerSec).toLocaleString('en').padStart(9)}/s (p50 ${e.usPerOp.p50.toFixed(1)} µs), ` +
      `decode ${Math.round(d.opsPerSec).toLocaleString('en').padStart(9)}/s (p50 ${d.usPerOp.p50.toFixed(1)} µs); ` +
      `${(e.opsPerSec / jsonEnc.opsPerSec).toFixed(2)}x / ${(d.opsPerSec / jsonDec.opsPerSec).toFixed(2)}x JSON`,
  );
}

report('codec', results, lines);
