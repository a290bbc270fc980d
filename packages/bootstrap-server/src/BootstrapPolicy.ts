import {
  objectInstance,
  parsePath,
  singleResource,
  toCoapRequest,
  type BootstrapConfig,
  type BootstrapDownlinkRequest,
  type Lwm2mCoapRequest,
} from '@chainm2m/lwm2m';
import { WriteFormat } from './payload/BootstrapFormat.js';
import type { WritableResource } from './payload/BootstrapResources.js';
import { encodeResourcePlain } from './payload/encodeResourceText.js';
import { parseBootstrapDiscover, type ClientLayout } from './plan/clientLayout.js';
import { planBootstrap, type PlanStep } from './plan/planBootstrap.js';
import { diagnosticText, isFormatRefusal, writeModes, type WriteMode } from './plan/writeFormats.js';

/**
 * The bootstrap sequence as a pure policy (the idea of Leshan's `BootstrapPolicy`): given the
 * configuration, the client's preferred content format(s) and the result of the last request, it
 * says what to send next (`continueWith`), or that the session `finished` or `failed`. No socket,
 * clock or randomness: the session manager performs the requests and feeds the results back.
 *
 * Sequence: Bootstrap-Discover (`/` for a client that sent `pct`, i.e. LwM2M 1.1, else `/0`), the
 * Bootstrap-Deletes of `config.toDelete` (never naming the client's bootstrap account), a
 * Bootstrap-Write of each LwM2M server account into a free Security instance and a Server instance
 * (see `planBootstrap`), then Bootstrap-Finish. A client that refuses Discover gets the
 * configuration's instance ids.
 *
 * Writes are tried in the order of `writeModes`; a refusal about the format (`isFormatRefusal`)
 * moves to the next mode (later writes keep it); any other refusal, or one in the last mode, ends
 * the session with the client's code and diagnostic text.
 */

export type BootstrapOperation = 'bootstrap-discover' | 'bootstrap-delete' | 'bootstrap-write' | 'bootstrap-finish';

/** One request to send to the client. Payloads may carry PSKs: never log them. */
export interface BootstrapRequest {
  readonly kind: BootstrapOperation;
  /** LwM2M path, e.g. `/0`, `/0/1`, `/0/1/5`; `/bs` for Bootstrap-Finish. */
  readonly path: string;
  readonly contentFormat?: number;
  readonly payload?: Uint8Array;
  /** The CoAP request (lwm2m's `toCoapRequest` of the operation). */
  readonly coap: Lwm2mCoapRequest;
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

/** Why a session failed: a sentence, and where (operation, path, the client's code and words) when a request was refused. */
export interface BootstrapFailure {
  readonly reason: string;
  readonly operation?: BootstrapOperation;
  readonly path?: string;
  /** The client's CoAP code, `timeout`, or `error`. */
  readonly code?: string;
  /** The client's diagnostic payload, printable and bounded. */
  readonly diagnostic?: string;
}

export type PolicyDecision =
  | { readonly kind: 'continueWith'; readonly request: BootstrapRequest }
  | { readonly kind: 'finished'; readonly writeMode?: WriteMode }
  | ({ readonly kind: 'failed' } & BootstrapFailure);

export type { WriteMode } from './plan/writeFormats.js';

/** Immutable progress of one session. */
export interface PolicyState {
  readonly config: BootstrapConfig;
  readonly pct: readonly number[];
  readonly remembered: WriteMode | undefined;
  readonly steps: readonly PlanStep[];
  readonly index: number;
  /** What Bootstrap-Discover told (undefined before it, or when the client refused it). */
  readonly layout: ClientLayout | undefined;
  readonly modes: readonly WriteMode[];
  /** Current write mode (index into `modes`); sticky for later writes once a format was refused. */
  readonly modeIndex: number;
  /** Resource being written in per-resource mode. */
  readonly resourceIndex: number;
  readonly attempt: number;
  /** Codes of the refusals that moved writes to the next mode (for the final reason). */
  readonly refused: readonly string[];
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
  /** Formats tried after `pct` for LwM2M 1.1 clients (default SenML-CBOR, SenML-JSON, TLV). */
  readonly formats?: readonly number[];
  /** Formats tried for LwM2M 1.0 clients (default TLV). */
  readonly formats10?: readonly number[];
  /** Fall back to per-resource text/opaque writes after the last instance format (default true). */
  readonly perResourceFallback?: boolean;
  /** Ask the client's layout with Bootstrap-Discover before writing (default true). */
  readonly discover?: boolean;
}

function isSuccess(code: string): boolean {
  return code.startsWith('2.');
}

const OP_NAME: Record<BootstrapOperation, string> = {
  'bootstrap-discover': 'Bootstrap-Discover',
  'bootstrap-delete': 'Bootstrap-Delete',
  'bootstrap-write': 'Bootstrap-Write',
  'bootstrap-finish': 'Bootstrap-Finish',
};

function describe(r: BootstrapRequest): string {
  return `${OP_NAME[r.kind]} ${r.kind === 'bootstrap-finish' ? '' : r.path}`.trimEnd();
}

function checkId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xfffe;
}

function node(r: WritableResource): ReturnType<typeof singleResource> {
  return singleResource(r.id, r.value.type, r.value.value);
}

export class BootstrapPolicy {
  readonly maxAttempts: number;
  readonly stepTimeoutMs: number;
  private readonly formats: readonly number[] | undefined;
  private readonly formats10: readonly number[] | undefined;
  private readonly perResourceFallback: boolean;
  private readonly discover: boolean;

  constructor(options: BootstrapPolicyOptions = {}) {
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 2));
    this.stepTimeoutMs = options.stepTimeoutMs ?? 20_000;
    this.formats = options.formats;
    this.formats10 = options.formats10;
    this.perResourceFallback = options.perResourceFallback ?? true;
    this.discover = options.discover ?? true;
  }

  /** Write modes in the order they are tried (see `writeModes`). */
  writeModes(pct: readonly number[] = [], version?: string, remembered?: WriteMode): WriteMode[] {
    return writeModes({
      pct,
      ...(version === undefined ? {} : { version }),
      ...(remembered === undefined ? {} : { remembered }),
      ...(this.formats ? { formats11: this.formats } : {}),
      ...(this.formats10 ? { formats10: this.formats10 } : {}),
      perResourceFallback: this.perResourceFallback,
    });
  }

  /** First decision of a session; `remembered` is the write mode that worked for this endpoint before. */
  start(config: BootstrapConfig, pct: readonly number[] = [], remembered?: WriteMode): PolicyOutcome {
    const discoverPath = pct.length > 0 ? '/' : '/0';
    const steps: PlanStep[] = this.discover ? [{ kind: 'discover', path: discoverPath }] : planBootstrap(config, undefined);
    const state: PolicyState = {
      config,
      pct,
      remembered,
      steps,
      index: 0,
      layout: undefined,
      modes: this.writeModes(pct, undefined, remembered),
      modeIndex: 0,
      resourceIndex: 0,
      attempt: 1,
      refused: [],
      pending: undefined,
    };
    const bad = [...config.security.map((s) => s.instanceId), ...config.servers.map((s) => s.instanceId)].find((id) => !checkId(id));
    if (bad !== undefined) return this.fail(state, { reason: `invalid configuration: instance id ${bad}` });
    if (config.servers.some((s) => !checkId(s.shortServerId)) || config.security.some((s) => s.shortServerId !== undefined && !checkId(s.shortServerId))) {
      return this.fail(state, { reason: 'invalid configuration: short server id out of range' });
    }
    if (state.modes.length === 0 && (config.security.length > 0 || config.servers.length > 0)) {
      return this.fail(state, { reason: 'invalid configuration: no write format enabled' });
    }
    return this.emit(state);
  }

  /** Decision after the result of `state.pending`. */
  next(state: PolicyState, result: StepResult): PolicyOutcome {
    const req = state.pending;
    if (req === undefined) return { state, decision: { kind: 'failed', reason: 'session already ended' } };
    const where = { operation: req.kind, path: req.path };
    if (result.kind === 'timeout') {
      if (state.attempt < this.maxAttempts) return this.emit({ ...state, attempt: state.attempt + 1 });
      return this.fail(state, { ...where, code: 'timeout', reason: `no response to ${describe(req)} after ${state.attempt} attempt${state.attempt > 1 ? 's' : ''}` });
    }
    if (result.kind === 'error') return this.fail(state, { ...where, code: 'error', reason: `${describe(req)} failed: ${result.reason}` });

    const { code } = result;
    const diagnostic = diagnosticText(result.payload);
    const refusedWith = (extra = ''): PolicyOutcome =>
      this.fail(state, { ...where, code, ...(diagnostic ? { diagnostic } : {}), reason: `${describe(req)} refused with ${code}${extra}${diagnostic ? ` (${diagnostic})` : ''}` });
    const step = state.steps[state.index];
    if (step === undefined) return this.fail(state, { reason: 'internal: no current step' });
    switch (step.kind) {
      case 'discover': {
        let layout: ClientLayout | undefined;
        if (isSuccess(code) && result.payload) {
          try {
            layout = parseBootstrapDiscover(result.payload);
          } catch {
            layout = undefined; // unreadable answer: write as if the client had not answered
          }
        }
        const modes = this.writeModes(state.pct, layout?.version, state.remembered);
        const steps = [step, ...planBootstrap(state.config, layout)];
        return this.emit({ ...state, steps, layout, modes, index: 1, resourceIndex: 0, attempt: 1 });
      }
      case 'delete':
        // 4.04: nothing there to delete; the state we want is reached either way.
        if (isSuccess(code) || code === '4.04') return this.advance(state);
        return refusedWith();
      case 'finish':
        if (isSuccess(code)) {
          const wrote = state.steps.some((s) => s.kind === 'write');
          const writeMode = wrote ? state.modes[state.modeIndex] : undefined;
          return { state: { ...state, pending: undefined }, decision: { kind: 'finished', ...(writeMode === undefined ? {} : { writeMode }) } };
        }
        return refusedWith();
      case 'write': {
        const mode = state.modes[state.modeIndex];
        if (isSuccess(code)) {
          if (mode === 'per-resource' && state.resourceIndex + 1 < step.resources.length) {
            return this.emit({ ...state, resourceIndex: state.resourceIndex + 1, attempt: 1 });
          }
          return this.advance(state);
        }
        if (!isFormatRefusal(code, diagnostic)) return refusedWith();
        if (mode !== 'per-resource' && state.modeIndex + 1 < state.modes.length) {
          return this.emit({ ...state, modeIndex: state.modeIndex + 1, resourceIndex: 0, attempt: 1, refused: [...state.refused, code] });
        }
        const history = state.refused.length > 0 ? `, earlier formats refused with ${state.refused.join(', ')}` : '';
        return refusedWith(` in every format${history}`);
      }
    }
  }

  private advance(state: PolicyState): PolicyOutcome {
    return this.emit({ ...state, index: state.index + 1, resourceIndex: 0, attempt: 1 });
  }

  private fail(state: PolicyState, failure: BootstrapFailure): PolicyOutcome {
    return { state: { ...state, pending: undefined }, decision: { kind: 'failed', ...failure } };
  }

  private emit(state: PolicyState): PolicyOutcome {
    const step = state.steps[state.index];
    if (step === undefined) return this.fail(state, { reason: 'internal: plan exhausted' });
    const base = { timeoutMs: this.stepTimeoutMs, attempt: state.attempt };
    let op: BootstrapDownlinkRequest;
    let path: string;
    try {
      switch (step.kind) {
        case 'discover':
          path = step.path;
          op = { kind: 'bootstrap-discover', path: parsePath(path) };
          break;
        case 'delete':
          path = step.path;
          op = { kind: 'bootstrap-delete', path: parsePath(path) };
          break;
        case 'finish':
          path = '/bs';
          op = { kind: 'bootstrap-finish' };
          break;
        case 'write': {
          const instancePath = `/${step.objectId}/${step.instanceId}`;
          const mode = state.modes[state.modeIndex];
          if (mode === 'per-resource') {
            const r = step.resources[state.resourceIndex];
            if (r === undefined) return this.advance(state);
            path = `${instancePath}/${r.id}`;
            op = { kind: 'bootstrap-write', path: parsePath(path), node: node(r), format: encodeResourcePlain(r).contentFormat };
          } else if (mode === WriteFormat.SenmlJson || mode === WriteFormat.Tlv || mode === WriteFormat.SenmlCbor || mode === WriteFormat.Json) {
            path = instancePath;
            op = { kind: 'bootstrap-write', path: parsePath(path), node: objectInstance(step.instanceId, step.resources.map(node)), format: mode };
          } else {
            return this.fail(state, { reason: `internal: unsupported write format ${String(mode)}` });
          }
          break;
        }
      }
      const coap = toCoapRequest(op);
      const request: BootstrapRequest = {
        kind: op.kind,
        path,
        ...(coap.contentFormat === undefined ? {} : { contentFormat: coap.contentFormat }),
        ...(coap.payload === undefined ? {} : { payload: coap.payload }),
        coap,
        ...base,
      };
      return { state: { ...state, pending: request }, decision: { kind: 'continueWith', request } };
    } catch (err) {
      // Never pass the cause's message on: it could quote a value (a key).
      const code = err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : 'error';
      return this.fail(state, { reason: `cannot encode the configuration: ${code}` });
    }
  }
}
