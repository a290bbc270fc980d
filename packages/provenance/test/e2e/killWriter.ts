// Child process of killNine.test.ts: appends records as fast as it can and prints every acked seq.
import { ProvenanceRecorder, RecordSigner, SERVER_PARTY } from '../../src/index.js';

const [dir] = process.argv.slice(2) as [string];
const rec = await ProvenanceRecorder.open({ dir, signer: RecordSigner.generate() });
const device = { id: 'endpoint:urn:imei:356938035643809', clearance: 1 };
for (let i = 0; ; i++) {
  const batch: Promise<{ seq: number }>[] = [];
  for (let j = 0; j < 50; j++) batch.push(rec.record({ sender: device, receiver: SERVER_PARTY, operation: 'notify', path: '/3303/0/5700', outcome: '2.05', answer: `{"v":${i}.${j}}` }));
  const done = await Promise.all(batch);
  process.stdout.write(`${done.at(-1)?.seq}\n`);
}
