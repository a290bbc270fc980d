import type { Clock, Random } from '@chainm2m/lwm2m';
import type { SimObjectTree } from './SimObjectTree.js';

export interface SimProfile {
  manufacturer?: string;
  modelNumber?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  /** Sensor values change in steps of this many clock ms (default 1000). */
  sampleMs?: number;
  /** Unix seconds at clock time 0, for /3/0/13 (default: derived from Date.now() at construction). */
  epochAtClockZeroS?: number;
}

export interface ProfileHooks {
  onReboot(): void;
  onFactoryReset(): void;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Fills objects 3 (Device), 3303 (Temperature) and 3311 (Light Control) with values and
 * behaviours: a temperature that follows a slow sine on the injected clock (changing every
 * `sampleMs`), min/max tracking with the 5605 reset, the current time, and a light whose on-time
 * and energy grow while it is on.
 */
export function populateDevice(
  tree: SimObjectTree,
  endpoint: string,
  clock: Clock,
  random: Random,
  profile: SimProfile,
  hooks: ProfileHooks,
): void {
  const sampleMs = profile.sampleMs ?? 1000;
  const epoch0 = profile.epochAtClockZeroS ?? Math.floor(Date.now() / 1000 - clock.now() / 1000);
  const step = (): number => Math.floor(clock.now() / sampleMs) * sampleMs;

  // --- 3 Device
  tree.createInstance(3, 0);
  tree.set(3, 0, 0, profile.manufacturer ?? 'chainm2m');
  tree.set(3, 0, 1, profile.modelNumber ?? 'sim-1');
  tree.set(3, 0, 2, profile.serialNumber ?? `SN-${endpoint}`);
  tree.set(3, 0, 3, profile.firmwareVersion ?? '1.0.0');
  tree.set(3, 0, 6, new Map([[0, 1], [1, 5]]));
  tree.set(3, 0, 7, new Map([[0, 3800], [1, 5000]]));
  tree.set(3, 0, 9, 95);
  tree.set(3, 0, 10, 15);
  tree.set(3, 0, 11, new Map([[0, 0]]));
  let timeOffsetS = 0;
  tree.defineDynamic(3, 0, 13, {
    read: () => Math.floor(epoch0 + clock.now() / 1000) + timeOffsetS,
    write: (v) => {
      if (typeof v === 'number') timeOffsetS = v - Math.floor(epoch0 + clock.now() / 1000);
    },
    timeVarying: true,
  });
  tree.set(3, 0, 14, '+00:00');
  tree.set(3, 0, 15, 'Etc/UTC');
  tree.set(3, 0, 16, 'U');
  tree.set(3, 0, 17, 'simulated sensor node');
  tree.set(3, 0, 18, 'hw-1');
  tree.set(3, 0, 19, 'sw-1');
  tree.set(3, 0, 21, 64);
  tree.setExecutor(3, 0, 4, () => hooks.onReboot());
  tree.setExecutor(3, 0, 5, () => hooks.onFactoryReset());
  tree.setExecutor(3, 0, 12, () => tree.set(3, 0, 11, new Map([[0, 0]])));

  // --- 3303 Temperature
  tree.createInstance(3303, 0);
  const base = 21 + random.next() * 4 - 2;
  const phase = random.next() * 2 * Math.PI;
  const periodMs = 600_000;
  const temperature = (): number => round1(base + 3 * Math.sin((2 * Math.PI * step()) / periodMs + phase));
  let min = temperature();
  let max = min;
  const sample = (): number => {
    const t = temperature();
    if (t < min) min = t;
    if (t > max) max = t;
    return t;
  };
  tree.defineDynamic(3303, 0, 5700, { read: sample, timeVarying: true });
  tree.defineDynamic(3303, 0, 5601, { read: () => (sample(), min), timeVarying: true });
  tree.defineDynamic(3303, 0, 5602, { read: () => (sample(), max), timeVarying: true });
  tree.set(3303, 0, 5701, 'Cel');
  tree.set(3303, 0, 5603, -40);
  tree.set(3303, 0, 5604, 85);
  tree.set(3303, 0, 5750, 'room');
  tree.setExecutor(3303, 0, 5605, () => {
    min = max = temperature();
  });

  // --- 3311 Light Control
  tree.createInstance(3311, 0);
  let onSince: number | undefined;
  let accumulatedWs = 0;
  const powerW = (): number => {
    const dim = tree.get(3311, 0, 5851);
    return 9 * ((typeof dim === 'number' ? dim : 100) / 100);
  };
  tree.set(3311, 0, 5851, 100);
  tree.defineDynamic(3311, 0, 5850, {
    read: () => onSince !== undefined,
    write: (v) => {
      const on = v === true;
      if (on && onSince === undefined) onSince = clock.now();
      if (!on && onSince !== undefined) {
        accumulatedWs += ((clock.now() - onSince) / 1000) * powerW();
        onSince = undefined;
      }
    },
  });
  tree.defineDynamic(3311, 0, 5852, {
    read: () => (onSince === undefined ? 0 : Math.floor((clock.now() - onSince) / 1000)),
    write: (v) => {
      if (onSince !== undefined && typeof v === 'number') onSince = clock.now() - v * 1000;
    },
    timeVarying: true,
  });
  tree.defineDynamic(3311, 0, 5805, {
    read: () => round1((accumulatedWs + (onSince === undefined ? 0 : ((clock.now() - onSince) / 1000) * powerW())) / 3600),
    timeVarying: true,
  });
  // simulator extension: Execute on On/Off toggles the light
  tree.setExecutor(3311, 0, 5850, () => tree.set(3311, 0, 5850, tree.get(3311, 0, 5850) !== true));
  tree.set(3311, 0, 5820, 0.9);
  tree.set(3311, 0, 5706, '#FFFFFF');
  tree.set(3311, 0, 5701, 'Wh');
  tree.set(3311, 0, 5750, 'lamp');
}
