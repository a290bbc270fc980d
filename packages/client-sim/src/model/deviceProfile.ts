import type { Clock, Random } from '@chainm2m/lwm2m';
import { behaviour, type BehaviourContext, type SimObjectTree } from './SimObjectTree.js';

export interface SimProfile {
  manufacturer?: string;
  modelNumber?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  /** Sensor values change in steps of this many clock ms (default 1000, at least 10). */
  sampleMs?: number;
  /** Unix seconds at clock time 0, for /3/0/13 (default: derived from Date.now() at construction). */
  epochAtClockZeroS?: number;
}

export interface ProfileHooks {
  onReboot(): void;
  onFactoryReset(): void;
}

/** What the shared behaviours below need from their device (`tree.env`). */
interface DeviceEnv {
  readonly clock: Clock;
  readonly random: Random;
  readonly sampleMs: number;
  readonly epoch0: number;
  readonly hooks: ProfileHooks;
}

const env = (c: BehaviourContext): DeviceEnv => c.tree.env as DeviceEnv;
const round1 = (x: number): number => Math.round(x * 10) / 10;

// --- 3 Device
interface DeviceState {
  timeOffsetS: number;
}
const deviceState = (c: BehaviourContext): DeviceState => c.tree.instanceState(c.objectId, c.instanceId, () => ({ timeOffsetS: 0 }));
const nowS = (c: BehaviourContext): number => Math.floor(env(c).epoch0 + env(c).clock.now() / 1000);

const CURRENT_TIME = behaviour({
  read: (c) => nowS(c) + deviceState(c).timeOffsetS,
  write: (c, v) => {
    if (typeof v === 'number') deviceState(c).timeOffsetS = v - nowS(c);
  },
  timeVarying: true,
});
const REBOOT = behaviour({ execute: (c) => env(c).hooks.onReboot() });
const FACTORY_RESET = behaviour({ execute: (c) => env(c).hooks.onFactoryReset() });
const RESET_ERROR_CODE = behaviour({ execute: (c) => c.tree.set(c.objectId, c.instanceId, 11, new Map([[0, 0]])) });

// --- 3303 Temperature: a slow sine on the injected clock, changing every `sampleMs`
interface TemperatureState {
  readonly base: number;
  readonly phase: number;
  min: number;
  max: number;
}
const PERIOD_MS = 600_000;
const temperatureState = (c: BehaviourContext): TemperatureState =>
  c.tree.instanceState(c.objectId, c.instanceId, () => {
    const r = env(c).random;
    const base = 21 + r.next() * 4 - 2;
    const phase = r.next() * 2 * Math.PI;
    const t = temperatureAt(c, base, phase);
    return { base, phase, min: t, max: t };
  });
function temperatureAt(c: BehaviourContext, base: number, phase: number): number {
  const { clock, sampleMs } = env(c);
  const step = Math.floor(clock.now() / sampleMs) * sampleMs;
  return round1(base + 3 * Math.sin((2 * Math.PI * step) / PERIOD_MS + phase));
}
function sampleTemperature(c: BehaviourContext): number {
  const s = temperatureState(c);
  const t = temperatureAt(c, s.base, s.phase);
  if (t < s.min) s.min = t;
  if (t > s.max) s.max = t;
  return t;
}
const TEMPERATURE = behaviour({ read: sampleTemperature, timeVarying: true });
const TEMPERATURE_MIN = behaviour({ read: (c) => (sampleTemperature(c), temperatureState(c).min), timeVarying: true });
const TEMPERATURE_MAX = behaviour({ read: (c) => (sampleTemperature(c), temperatureState(c).max), timeVarying: true });
const TEMPERATURE_RESET = behaviour({
  execute: (c) => {
    const s = temperatureState(c);
    s.min = s.max = temperatureAt(c, s.base, s.phase);
  },
});

// --- 3311 Light Control: on-time and energy grow while the light is on
interface LightState {
  onSince: number | undefined;
  accumulatedWs: number;
}
const lightState = (c: BehaviourContext): LightState =>
  c.tree.instanceState(c.objectId, c.instanceId, () => ({ onSince: undefined, accumulatedWs: 0 }) as LightState);
const powerW = (c: BehaviourContext): number => {
  const dim = c.tree.get(c.objectId, c.instanceId, 5851);
  return 9 * ((typeof dim === 'number' ? dim : 100) / 100);
};
function switchLight(c: BehaviourContext, on: boolean): void {
  const s = lightState(c);
  const now = env(c).clock.now();
  if (on && s.onSince === undefined) s.onSince = now;
  if (!on && s.onSince !== undefined) {
    s.accumulatedWs += ((now - s.onSince) / 1000) * powerW(c);
    s.onSince = undefined;
  }
}
const LIGHT_ON_OFF = behaviour({
  read: (c) => lightState(c).onSince !== undefined,
  write: (c, v) => switchLight(c, v === true),
  // simulator extension: Execute on On/Off toggles the light
  execute: (c) => switchLight(c, lightState(c).onSince === undefined),
});
const LIGHT_ON_TIME = behaviour({
  read: (c) => {
    const s = lightState(c);
    return s.onSince === undefined ? 0 : Math.floor((env(c).clock.now() - s.onSince) / 1000);
  },
  write: (c, v) => {
    const s = lightState(c);
    if (s.onSince !== undefined && typeof v === 'number') s.onSince = env(c).clock.now() - v * 1000;
  },
  timeVarying: true,
});
const LIGHT_ENERGY = behaviour({
  read: (c) => {
    const s = lightState(c);
    const running = s.onSince === undefined ? 0 : ((env(c).clock.now() - s.onSince) / 1000) * powerW(c);
    return round1((s.accumulatedWs + running) / 3600);
  },
  timeVarying: true,
});

const POWER_SOURCES = new Map([
  [0, 1],
  [1, 5],
]);
const VOLTAGES = new Map([
  [0, 3800],
  [1, 5000],
]);
const NO_ERROR = new Map([[0, 0]]);

/**
 * Fills objects 3 (Device), 3303 (Temperature) and 3311 (Light Control) with values and shared
 * behaviours: a temperature that follows a slow sine on the injected clock (changing every
 * `sampleMs`), min/max tracking with the 5605 reset, the current time, reboot, and a light whose
 * on-time and energy grow while it is on.
 */
export function populateDevice(
  tree: SimObjectTree,
  endpoint: string,
  clock: Clock,
  random: Random,
  profile: SimProfile,
  hooks: ProfileHooks,
): void {
  const e: DeviceEnv = {
    clock,
    random,
    sampleMs: Math.max(10, profile.sampleMs ?? 1000),
    epoch0: profile.epochAtClockZeroS ?? Math.floor(Date.now() / 1000 - clock.now() / 1000),
    hooks,
  };
  tree.env = e;

  tree.createInstance(3, 0);
  tree.set(3, 0, 0, profile.manufacturer ?? 'chainm2m');
  tree.set(3, 0, 1, profile.modelNumber ?? 'sim-1');
  tree.set(3, 0, 2, profile.serialNumber ?? `SN-${endpoint}`);
  tree.set(3, 0, 3, profile.firmwareVersion ?? '1.0.0');
  tree.setBehaviour(3, 0, 4, REBOOT);
  tree.setBehaviour(3, 0, 5, FACTORY_RESET);
  tree.set(3, 0, 6, POWER_SOURCES);
  tree.set(3, 0, 7, VOLTAGES);
  tree.set(3, 0, 9, 95);
  tree.set(3, 0, 10, 15);
  tree.set(3, 0, 11, NO_ERROR);
  tree.setBehaviour(3, 0, 12, RESET_ERROR_CODE);
  tree.setBehaviour(3, 0, 13, CURRENT_TIME);
  tree.set(3, 0, 14, '+00:00');
  tree.set(3, 0, 15, 'Etc/UTC');
  tree.set(3, 0, 16, 'U');
  tree.set(3, 0, 17, 'simulated sensor node');
  tree.set(3, 0, 18, 'hw-1');
  tree.set(3, 0, 19, 'sw-1');
  tree.set(3, 0, 21, 64);

  populateSensors(tree);
}

/**
 * (Re)creates the sensor instances /3303/0 and /3311/0 when missing, as the device's firmware does
 * for its hardware after a Bootstrap-Delete of `/` removed them. Needs `populateDevice` first.
 */
export function populateSensors(tree: SimObjectTree): void {
  if (!tree.hasInstance(3303, 0)) populateTemperature(tree);
  if (!tree.hasInstance(3311, 0)) populateLight(tree);
}

function populateTemperature(tree: SimObjectTree): void {
  tree.createInstance(3303, 0);
  tree.setBehaviour(3303, 0, 5700, TEMPERATURE);
  tree.setBehaviour(3303, 0, 5601, TEMPERATURE_MIN);
  tree.setBehaviour(3303, 0, 5602, TEMPERATURE_MAX);
  tree.set(3303, 0, 5603, -40);
  tree.set(3303, 0, 5604, 85);
  tree.setBehaviour(3303, 0, 5605, TEMPERATURE_RESET);
  tree.set(3303, 0, 5701, 'Cel');
  tree.set(3303, 0, 5750, 'room');
}

function populateLight(tree: SimObjectTree): void {
  tree.createInstance(3311, 0);
  tree.setBehaviour(3311, 0, 5850, LIGHT_ON_OFF);
  tree.set(3311, 0, 5851, 100);
  tree.setBehaviour(3311, 0, 5852, LIGHT_ON_TIME);
  tree.setBehaviour(3311, 0, 5805, LIGHT_ENERGY);
  tree.set(3311, 0, 5820, 0.9);
  tree.set(3311, 0, 5706, '#FFFFFF');
  tree.set(3311, 0, 5701, 'Wh');
  tree.set(3311, 0, 5750, 'lamp');
}
