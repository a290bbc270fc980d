import { randomBytes } from 'node:crypto';
import type { Random } from './Clock.js';

export const SystemRandom: Random = {
  next: () => Math.random(),
  bytes: (n) => new Uint8Array(randomBytes(n)),
};
