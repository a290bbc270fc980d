/**
 * The closed loop every round-trip benchmark runs: keep `inFlight` numbered payloads outstanding
 * on a channel whose peer echoes them, until the deadline; latency per reply in µs.
 */
import { performance } from 'node:perf_hooks';

export interface EchoChannel {
  send(payload: Buffer): void;
  /** Registers the reply handler (called once). */
  onReply(handler: (reply: Uint8Array) => void): void;
}

/** Resolves when the deadline passed and every payload came back (or a lost one timed out). */
export function echoLoop(channel: EchoChannel, opts: { inFlight: number; size: number; deadline: number; samples: number[] }): Promise<number> {
  const payload = Buffer.alloc(opts.size, 0x42);
  const sentAt = new Map<number, number>();
  let seq = 0;
  let done = 0;
  return new Promise<number>((resolve) => {
    const sendOne = (): void => {
      const id = seq++ & 0xffffffff;
      payload.writeUInt32BE(id, 0);
      sentAt.set(id, performance.now());
      channel.send(payload);
    };
    channel.onReply((reply) => {
      const id = Buffer.from(reply.buffer, reply.byteOffset, reply.length).readUInt32BE(0);
      const t0 = sentAt.get(id);
      if (t0 !== undefined) {
        sentAt.delete(id);
        opts.samples.push((performance.now() - t0) * 1000);
        done += 1;
      }
      if (performance.now() < opts.deadline) sendOne();
      else if (sentAt.size === 0) resolve(done);
    });
    for (let i = 0; i < opts.inFlight; i++) sendOne();
    // A lost datagram must not hang the benchmark.
    setTimeout(() => resolve(done), Math.max(0, opts.deadline - performance.now()) + 1000).unref();
  });
}
