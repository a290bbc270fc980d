import type { BootstrapConfig } from '@chainm2m/lwm2m';
import { securityResources, serverResources, type WritableResource } from './payload/BootstrapResources.js';
import { InstanceFormats, PreferableFormats, WriteFormat } from './payload/BootstrapFormat.js';
import { encodeInstanceCore } from './payload/encodeInstanceCore.js';
import { encodeResourcePlain } from './payload/encodeResourceText.js';

/**
 * The bootstrap sequence as a pure policy (the idea of Leshan's `BootstrapPolicy`): given the
 * configuration, the client's preferred content format(s) and the result of the last request, it
 * says what to send next, or that the session finished or failed. No socket, clock or randomness:
 * the session manager performs the requests and feeds the results back.
 *
 * Sequence: Bootstrap-Delete of each `config.toDelete` path (`/0`, `/1`; the client keeps its
 * bootstrap account as the LwM2M TS requires), Bootstrap-Write of every Security instance, then of
 * every Server instance, then Bootstrap-Finish.
 *
 * Writes use the client's `pct` when we support it (SenML-JSON, TLV, SenML-CBOR, LwM2M JSON), else
 * SenML-JSON, else TLV; a 4.00 or 4.15 answer
 * moves to the next format (and later writes start from there), and after the last instance format
 * every resource is written on its own as text/plain or application/octet-stream.
 */

export type BootstrapOperation = 'bootstrap-delete' | 'bootstrap-write' | 'bootstrap-finish';

/** One request to send to the client. Payloads may carry PSKs: never log them. */
export interface BootstrapRequest {
  readonly kind: BootstrapOperation;
  /** LwM2M path, e.g. `/0`, `/0/1`, `/0/1/5`; `/bs` for Bootstrap-Finish. */
  readonly path: string;
  readonly contentFormat?: number;
  readonly payload?: Uint8Array;
  /** Deadline for the whole exchange of this attempt. */
  readonly timeoutMs: number;
  /** 1-based attempt number of this very request. */
  readonly attempt: number;
}

/** What happened to the last request. */
export type StepResult =
  | { readonly kind: 'response'; readonly code: string; readonly payload?: Uint8Array }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'error'; readonly reason: string };

export type PolicyDecision =
  | { readonly kind: 'continue'; readonly request: BootstrapRequest }
  | { readonly kind: 'finished' }
  | { readonly kind: 'failed'; readonly reason: string };

/** A write mode: an instance-level content format, or one plain write per resource. */
export type WriteMode = number | 'per-resource';

type PlanStep =
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'write'; readonly objectId: 0 | 1; readonly instanceId: number; readonly resources: readonly WritableResource[] }
  | { readonly kind: 'finish' };

/** Immutable progress of one session. */
export interface PolicyState {
  readonly steps: readonly PlanStep[];
  readonly index: number;
  readonly modes: readonly WriteMode[];
  /** Current write mode (index into `modes`); sticky for later writes once a format was refused. */
  readonly modeIndex: number;
  /** Resource being written in per-resource mode. */
  readonly resourceIndex: number;
  readonly attempt: number;
  /** The request whose result is awaited; `undefined` once the session ended. */
  readonly pending: BootstrapRequest | undefined;
}

export interface PolicyOutcome {
  readonly state: PolicyState;
  readonly decision: PolicyDecision;
}

export interface BootstrapPolicyOptions {
  /** Attempts per request when the client does not answer in time (default 2). */
  readonly maxAttempts?: number;
  /** Exchange deadline per attempt, ms (default 20,000). */
  readonly stepTimeoutMs?: number;
  /** Instance-level formats tried when the client states no (usable) preference, in order (default SenML-JSON, TLV). */
  readonly formats?: readonly number[];
  /** Fall back to per-resource text/opaque writes after the last instance format (default true). */
  readonly perResourceFallback?: boolean;
}

const SUPPORTED_INSTANCE_FORMATS: ReadonlySet<number> = new Set(PreferableFormats);

function isSuccess(code: string): boolean {
  return code.startsWith('2.');
}

function isFormatRefusal(code: string): boolean {
  return code === '4.00' || code === '4.15';
}

const OP_NAME: Record<BootstrapOperation, string> = {
  'bootstrap-delete': 'Bootstrap-Delete',
  'bootstrap-write': 'Bootstrap-Write',
  'bootstrap-finish': 'Bootstrap-Finish',
};

/** Printable, bounded text of a client's diagnostic payload (never our own payloads). */
function diagnostic(payload: Uint8Array | undefined): string {
  if (!payload || payload.length === 0) return '';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(payload.subarray(0, 120));
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return ` (${clean}${payload.length > 120 ? '…' : ''})`;
}

function describe(r: BootstrapRequest): string {
  return `${OP_NAME[r.kind]} ${r.kind === 'bootstrap-finish' ? '' : r.path}`.trimEnd();
}

function checkId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xfffe;
}

export class BootstrapPolicy {
  readonly maxAttempts: number;
  readonly stepTimeoutMs: number;
  private readonly formats: readonly number[];
  private readonly perResourceFallback: boolean;

  constructor(options: BootstrapPolicyOptions = {}) {
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 2));
    this.stepTimeoutMs = options.stepTimeoutMs ?? 20_000;
    this.formats = (options.formats ?? InstanceFormats).filter((f) => SUPPORTED_INSTANCE_FORMATS.has(f));
    this.perResourceFallback = options.perResourceFallback ?? true;
  }

  /** Write modes in the order they are tried for a client preferring `pct`. */
  writeModes(pct: readonly number[] = []): WriteMode[] {
    const modes: WriteMode[] = [];
    for (const f of [...pct.filter((p) => SUPPORTED_INSTANCE_FORMATS.has(p)), ...this.formats]) {
      if (!modes.includes(f)) modes.push(f);
    }
    if (this.perResourceFallback) modes.push('per-resource');
    return modes;
  }

  /** First decision of a session. */
  start(config: BootstrapConfig, pct: readonly number[] = []): PolicyOutcome {
    const steps: PlanStep[] = config.toDelete.map((path) => ({ kind: 'delete' as const, path }));
    for (const s of config.security) {
      steps.push({ kind: 'write', objectId: 0, instanceId: s.instanceId, resources: securityResources(s) });
    }
    for (const s of config.servers) {
      steps.push({ kind: 'write', objectId: 1, instanceId: s.instanceId, resources: serverResources(s) });
    }
    steps.push({ kind: 'finish' });
    const state: PolicyState = { steps, index: 0, modes: this.writeModes(pct), modeIndex: 0, resourceIndex: 0, attempt: 1, pending: undefined };
    const bad = [...config.security.map((s) => s.instanceId), ...config.servers.map((s) => s.instanceId)].find((id) => !checkId(id));
    if (bad !== undefined) return this.fail(state, `invalid configuration: instance id ${bad}`);
    if (config.servers.some((s) => !checkId(s.shortServerId)) || config.security.some((s) => s.shortServerId !== undefined && !checkId(s.shortServerId))) {
      return this.fail(state, 'invalid configuration: short server id out of range');
    }
    if (state.modes.length === 0 && steps.some((s) => s.kind === 'write')) {
      return this.fail(state, 'invalid configuration: no write format enabled');
    }
    return this.emit(state);
  }

  /** Decision after the result of `state.pending`. */
  next(state: PolicyState, result: StepResult): PolicyOutcome {
    const req = state.pending;
    if (req === undefined) return { state, decision: { kind: 'failed', reason: 'session already ended' } };
    if (result.kind === 'timeout') {
      if (state.attempt < this.maxAttempts) return this.emit({ ...state, attempt: state.attempt + 1 });
      return this.fail(state, `no response to ${describe(req)} after ${state.attempt} attempt${state.attempt > 1 ? 's' : ''}`);
    }
    if (result.kind === 'error') return this.fail(state, `${describe(req)} failed: ${result.reason}`);

    const { code } = result;
    const step = state.steps[state.index];
    if (step === undefined) return this.fail(state, 'internal: no current step');
    switch (step.kind) {
      case 'delete':
        // 4.04: nothing there to delete; the state we want is reached either way.
        if (isSuccess(code) || code === '4.04') return this.advance(state);
        return this.fail(state, `${describe(req)} refused with ${code}${diagnostic(result.payload)}`);
      case 'finish':
        if (isSuccess(code)) return { state: { ...state, pending: undefined }, decision: { kind: 'finished' } };
        return this.fail(state, `${describe(req)} refused with ${code}${diagnostic(result.payload)}`);
      case 'write': {
        const mode = state.modes[state.modeIndex];
        if (isSuccess(code)) {
          if (mode === 'per-resource' && state.resourceIndex + 1 < step.resources.length) {
            return this.emit({ ...state, resourceIndex: state.resourceIndex + 1, attempt: 1 });
          }
          return this.advance(state);
        }
        if (isFormatRefusal(code) && mode !== 'per-resource' && state.modeIndex + 1 < state.modes.length) {
          return this.emit({ ...state, modeIndex: state.modeIndex + 1, resourceIndex: 0, attempt: 1 });
        }
        const tried = mode === 'per-resource' || state.modeIndex + 1 >= state.modes.length ? ' (no other format left)' : '';
        return this.fail(state, `${describe(req)} refused with ${code}${tried}${diagnostic(result.payload)}`);
      }
    }
  }

  private advance(state: PolicyState): PolicyOutcome {
    return this.emit({ ...state, index: state.index + 1, resourceIndex: 0, attempt: 1 });
  }

  private fail(state: PolicyState, reason: string): PolicyOutcome {
    return { state: { ...state, pending: undefined }, decision: { kind: 'failed', reason } };
  }

  private emit(state: PolicyState): PolicyOutcome {
    const step = state.steps[state.index];
    if (step === undefined) return this.fail(state, 'internal: plan exhausted');
    const base = { timeoutMs: this.stepTimeoutMs, attempt: state.attempt };
    let request: BootstrapRequest;
    try {
      switch (step.kind) {
        case 'delete':
          request = { kind: 'bootstrap-delete', path: step.path, ...base };
          break;
        case 'finish':
          request = { kind: 'bootstrap-finish', path: '/bs', ...base };
          break;
        case 'write': {
          const instancePath = `/${step.objectId}/${step.instanceId}`;
          const mode = state.modes[state.modeIndex];
          if (mode === 'per-resource') {
            const r = step.resources[state.resourceIndex];
            if (r === undefined) return this.advance(state);
            const { contentFormat, payload } = encodeResourcePlain(r);
            request = { kind: 'bootstrap-write', path: `${instancePath}/${r.id}`, contentFormat, payload, ...base };
          } else if (mode === WriteFormat.SenmlJson || mode === WriteFormat.Tlv || mode === WriteFormat.SenmlCbor || mode === WriteFormat.Json) {
            request = { kind: 'bootstrap-write', path: instancePath, contentFormat: mode, payload: encodeInstanceCore(mode, instancePath, step.instanceId, step.resources), ...base };
          } else {
            return this.fail(state, `internal: unsupported write format ${String(mode)}`);
          }
          break;
        }
      }
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : 'error';
      return this.fail(state, `cannot encode the configuration: ${code}`);
    }
    return { state: { ...state, pending: request }, decision: { kind: 'continue', request } };
  }
}
