import type { WriteMode } from './writeFormats.js';

/**
 * Which write mode last worked for each endpoint, so that its next bootstrap starts with it (a
 * client that refused SenML-JSON once is written TLV at once next time). In memory, bounded: the
 * least recently bootstrapped endpoints are forgotten first.
 */
export class FormatMemory {
  private readonly modes = new Map<string, WriteMode>();

  constructor(private readonly capacity = 100_000) {}

  get(endpoint: string): WriteMode | undefined {
    return this.modes.get(endpoint);
  }

  set(endpoint: string, mode: WriteMode): void {
    this.modes.delete(endpoint);
    this.modes.set(endpoint, mode);
    if (this.modes.size > this.capacity) {
      const oldest = this.modes.keys().next();
      if (!oldest.done) this.modes.delete(oldest.value);
    }
  }

  get size(): number {
    return this.modes.size;
  }
}
