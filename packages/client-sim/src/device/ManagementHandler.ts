import {
  ContentFormat,
  Lwm2mError,
  classifyDownlinkRequest,
  errorResponseCode,
  type Clock,
  type DownlinkOperation,
  type NotificationAttributes as WrittenAttributes,
} from '@chainm2m/lwm2m';
import { ClientSimError } from '../ClientSimError.js';
import { decodeEntries, encodeEntries } from '../codec/simCodec.js';
import { decodeSenmlNames } from '../codec/senml.js';
import { isReadableDef, isWritableDef } from '../model/simObjects.js';
import type { SimEntry, SimObjectTree } from '../model/SimObjectTree.js';
import { applyAttributeChanges, type NotificationAttributes } from './attributes.js';
import type { CoapHandlerContext, CoapRequest, CoapResponse, ObserveRegistration } from './coapShapes.js';
import type { FormatPolicy } from './FormatPolicy.js';
import { discoverLinks } from './linkFormat.js';
import { fail, respond } from './responses.js';
import type { Scheduler } from './Scheduler.js';
import { applyWrites } from './writes.js';
import type { TimerHandle } from '@chainm2m/lwm2m';

interface Observation {
  readonly ids: readonly number[];
  /** Observe-Composite: the observed paths (then `ids` is the root). */
  readonly targets?: readonly (readonly number[])[];
  readonly format: number;
  readonly reg: ObserveRegistration;
  lastBytes: Uint8Array;
  lastNumber: number | undefined;
  lastNotifyAt: number;
  timer: TimerHandle | undefined;
  dirty: boolean;
  sending: boolean;
  /** A check was asked for while a notification was in flight. */
  recheck: boolean;
}

export interface ManagementContext {
  readonly tree: SimObjectTree;
  readonly formats: FormatPolicy;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** How often time-varying values are re-sampled for observations (ms). */
  readonly sampleMs: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const EXECUTE_ARGS = /^[0-9](='[^']*')?(,[0-9](='[^']*')?)*$/;

const pathKey = (ids: readonly number[]): string => '/' + ids.join('/');

/**
 * Device management and information reporting on the LwM2M server session (LwM2M 1.1 §5.4,
 * §5.5): Read, Write, Execute, Create, Delete, Discover, Write-Attributes, Observe.
 */
export class ManagementHandler {
  private attrs: Map<string, NotificationAttributes> | undefined;
  private observations: Set<Observation> | undefined;

  constructor(private readonly ctx: ManagementContext) {}

  /** Number of live observations. */
  get observationCount(): number {
    return this.observations?.size ?? 0;
  }

  attributesOf(path: string): NotificationAttributes | undefined {
    return this.attrs?.get(path);
  }

  /** Ends every observation (on deregistration / stop). */
  cancelAll(): void {
    for (const o of this.observations ?? []) {
      o.timer?.cancel();
      o.reg.cancel();
    }
    this.observations = undefined;
  }

  /**
   * Dispatches on the operation `classifyDownlinkRequest` (the one set of rules of `@chainm2m/lwm2m`)
   * names; payloads are decoded with the simulator's own codec, independent of the servers'.
   */
  async handle(req: CoapRequest, hctx: CoapHandlerContext): Promise<CoapResponse> {
    let op: DownlinkOperation;
    try {
      op = classifyDownlinkRequest(req);
    } catch (e) {
      if (e instanceof Lwm2mError) return fail(errorResponseCode(e), e.message);
      throw e;
    }
    switch (op.kind) {
      case 'discover':
        return this.discover(op.path.ids());
      case 'read':
      case 'observe':
      case 'cancel-observe':
        return this.read(op.path.ids(), req, hctx.observe);
      case 'write-attributes':
        return this.writeAttributes(op.path.ids(), op.attributes);
      case 'write':
        return this.write(op.path.ids(), req, op.mode === 'replace');
      case 'create':
        return this.create(op.path.ids(), req);
      case 'execute':
        return this.execute(op.path.ids(), op.arguments ?? '');
      case 'delete':
        return this.delete(op.path.ids());
      case 'read-composite':
      case 'observe-composite':
        return this.readComposite(req, hctx.observe);
      case 'write-composite':
        return this.writeComposite(req);
    }
  }

  /** Checks a read/observe/discover target; returns an error response or `undefined`. */
  private checkTarget(ids: readonly number[]): CoapResponse | undefined {
    const t = this.ctx.tree;
    const [o, i, r, ri] = ids;
    if (o === undefined) return fail('4.05');
    if (!t.hasObject(o)) return fail('4.04');
    if (o === 0) return fail('4.01');
    if (i === undefined) return undefined;
    if (!t.hasInstance(o, i)) return fail('4.04');
    if (r === undefined) return undefined;
    if (!t.hasResource(o, i, r)) return fail('4.04');
    if (ri !== undefined) {
      const v = t.get(o, i, r);
      if (!(v instanceof Map) || !v.has(ri)) return fail('4.04');
    }
    return undefined;
  }

  private readEntries(ids: readonly number[]): SimEntry[] {
    const [o, i, r, ri] = ids;
    const all = this.ctx.tree.entries(o, i, r);
    const readable = all.filter((e) => {
      const def = this.ctx.tree.resourceDef(e.objectId, e.resourceId);
      return def === undefined || isReadableDef(def);
    });
    return ri === undefined ? readable : readable.filter((e) => e.resourceInstanceId === ri);
  }

  private encode(ids: readonly number[], accept: number | undefined): CoapResponse & { entries?: SimEntry[] } {
    const [o, , r] = ids;
    const entries = this.readEntries(ids);
    if (r !== undefined && entries.length === 0) {
      const def = o === undefined ? undefined : this.ctx.tree.resourceDef(o, r);
      return fail(def && !isReadableDef(def) ? '4.05' : '4.04');
    }
    const formats = this.ctx.formats;
    let format = accept;
    if (format === undefined) {
      const single = entries.length === 1 && (ids.length === 4 || (ids.length === 3 && entries[0]?.resourceInstanceId === undefined));
      if (single && formats.accepts(ContentFormat.Text)) {
        format = entries[0]?.value instanceof Uint8Array && formats.accepts(ContentFormat.Opaque) ? ContentFormat.Opaque : ContentFormat.Text;
      } else format = formats.defaultMultiFormat();
      if (format === undefined) return fail('4.06');
    } else if (!formats.accepts(format)) return fail('4.06');
    try {
      return { ...respond('2.05', encodeEntries(entries, format, ids, this.ctx.tree.typeOf), format), entries };
    } catch (e) {
      if (e instanceof ClientSimError && e.code === 'SIM_UNSUPPORTED_FORMAT') return fail('4.06');
      throw e;
    }
  }

  private read(ids: number[], req: CoapRequest, observe: ObserveRegistration | undefined): CoapResponse {
    const bad = this.checkTarget(ids);
    if (bad) return bad;
    const res = this.encode(ids, req.accept);
    if (res.code !== '2.05') return res;
    const { entries, ...response } = res;
    if (observe && req.observe === 0 && res.contentFormat !== undefined && res.payload) {
      const single = entries?.length === 1 ? entries[0] : undefined;
      const obs: Observation = {
        ids,
        format: res.contentFormat,
        reg: observe,
        lastBytes: res.payload,
        lastNumber: ids.length >= 3 && typeof single?.value === 'number' ? single.value : undefined,
        lastNotifyAt: this.ctx.clock.now(),
        timer: undefined,
        dirty: false,
        sending: false,
        recheck: false,
      };
      observe.accept();
      observe.onCancel(() => this.drop(obs));
      (this.observations ??= new Set()).add(obs);
      this.schedule(obs, false);
    }
    return response;
  }

  private drop(obs: Observation): void {
    obs.timer?.cancel();
    obs.timer = undefined;
    this.observations?.delete(obs);
  }

  private effectiveAttributes(ids: readonly number[]): NotificationAttributes {
    const merged: NotificationAttributes = {};
    const t = this.ctx.tree;
    for (const iid of t.instanceIds(1)) {
      const pmin = t.get(1, iid, 2);
      const pmax = t.get(1, iid, 3);
      if (typeof pmin === 'number') merged.pmin = pmin;
      if (typeof pmax === 'number' && pmax > 0) merged.pmax = pmax;
      break;
    }
    for (let d = 1; d <= Math.min(3, ids.length); d++) Object.assign(merged, this.attrs?.get(pathKey(ids.slice(0, d))));
    return merged;
  }

  /** Called by the tree listener: something under (o, i, r) changed. */
  changed(objectId: number, instanceId?: number, resourceId?: number): void {
    if (!this.observations) return;
    const hits = (ids: readonly number[]): boolean => {
      const [o, i, r] = ids;
      if (o !== undefined && o !== objectId) return false;
      if (i !== undefined && instanceId !== undefined && i !== instanceId) return false;
      if (r !== undefined && resourceId !== undefined && r !== resourceId) return false;
      return true;
    };
    for (const obs of this.observations) {
      if (!(obs.targets ? obs.targets.some(hits) : hits(obs.ids))) continue;
      if (obs.dirty) continue;
      obs.dirty = true;
      queueMicrotask(() => {
        obs.dirty = false;
        this.check(obs);
      });
    }
  }

  private schedule(obs: Observation, pendingChange: boolean): void {
    obs.timer?.cancel();
    obs.timer = undefined;
    if (!this.observations?.has(obs)) return;
    const a = this.effectiveAttributes(obs.ids);
    const now = this.ctx.clock.now();
    const pminAt = obs.lastNotifyAt + (a.pmin ?? 0) * 1000;
    let at = Infinity;
    if (a.pmax !== undefined && a.pmax > 0 && a.pmax >= (a.pmin ?? 0)) at = obs.lastNotifyAt + a.pmax * 1000;
    if (pendingChange) at = Math.min(at, pminAt);
    const varying = (ids: readonly number[]): boolean => this.ctx.tree.hasTimeVarying(ids[0], ids[1], ids[2]);
    if (obs.targets ? obs.targets.some(varying) : varying(obs.ids)) at = Math.min(at, Math.max(pminAt, now + this.ctx.sampleMs));
    if (at === Infinity) return;
    obs.timer = this.ctx.scheduler.at(Math.max(at, now), () => {
      obs.timer = undefined;
      this.check(obs);
    });
  }

  private passes(obs: Observation, a: NotificationAttributes, value: number | undefined): boolean {
    if (value === undefined || obs.lastNumber === undefined) return true;
    if (a.gt === undefined && a.lt === undefined && a.st === undefined) return true;
    const last = obs.lastNumber;
    if (a.st !== undefined && Math.abs(value - last) >= a.st) return true;
    if (a.gt !== undefined && (last <= a.gt) !== (value <= a.gt)) return true;
    if (a.lt !== undefined && (last < a.lt) !== (value < a.lt)) return true;
    return false;
  }

  private check(obs: Observation): void {
    if (!this.observations?.has(obs)) return;
    if (!obs.reg.active) {
      this.drop(obs);
      return;
    }
    if (obs.sending) {
      obs.recheck = true; // checked again once the notification is out (no polling meanwhile)
      return;
    }
    const now = this.ctx.clock.now();
    const bad = obs.targets ? undefined : this.checkTarget(obs.ids);
    if (bad) {
      this.drop(obs);
      void obs.reg.notify(bad).catch(() => undefined);
      return;
    }
    const res = obs.targets ? this.encodeComposite(obs.targets, obs.format) : this.encode(obs.ids, obs.format);
    if (res.code !== '2.05' || !res.payload) {
      this.drop(obs);
      void obs.reg.notify(fail(res.code)).catch(() => undefined);
      return;
    }
    const a = this.effectiveAttributes(obs.ids);
    const single = res.entries?.length === 1 ? res.entries[0] : undefined;
    const value = obs.ids.length >= 3 && typeof single?.value === 'number' ? single.value : undefined;
    const changed = !sameBytes(res.payload, obs.lastBytes) && this.passes(obs, a, value);
    const since = now - obs.lastNotifyAt;
    const pmaxDue = a.pmax !== undefined && a.pmax > 0 && a.pmax >= (a.pmin ?? 0) && since >= a.pmax * 1000;
    const pminOk = since >= (a.pmin ?? 0) * 1000;
    if (pmaxDue || (changed && pminOk)) {
      obs.lastBytes = res.payload;
      obs.lastNumber = value;
      obs.lastNotifyAt = now;
      obs.sending = true;
      const { entries: _entries, ...notification } = res;
      obs.reg
        .notify(notification)
        .catch(() => undefined)
        .finally(() => {
          obs.sending = false;
          if (obs.recheck) {
            obs.recheck = false;
            this.check(obs);
          }
        });
      this.schedule(obs, false);
    } else {
      this.schedule(obs, changed);
    }
  }

  /** The payload of a Send (`POST /dp`): the readable values under `targets`, in SenML, at `time` (Unix s) when given. */
  sendPayload(targets: readonly (readonly number[])[], format: number, time?: number): CoapResponse {
    for (const t of targets) {
      const bad = this.checkTarget(t);
      if (bad) return bad;
    }
    const { entries: _entries, ...res } = this.encodeComposite(targets, format, time);
    return res;
  }

  private encodeComposite(targets: readonly (readonly number[])[], format: number, time?: number): CoapResponse & { entries?: SimEntry[] } {
    if (format !== ContentFormat.SenmlJson && format !== ContentFormat.SenmlCbor) return fail('4.06');
    if (!this.ctx.formats.accepts(format)) return fail('4.06');
    const entries = targets.flatMap((t) => (this.checkTarget(t) ? [] : this.readEntries(t)));
    return { ...respond('2.05', encodeEntries(entries, format, [], this.ctx.tree.typeOf, time), format), entries };
  }

  /** Read-Composite / Observe-Composite (FETCH / with a SenML list of paths). */
  private readComposite(req: CoapRequest, observe: ObserveRegistration | undefined): CoapResponse {
    const cf = req.contentFormat;
    if (cf !== ContentFormat.SenmlJson && cf !== ContentFormat.SenmlCbor) return fail('4.15');
    if (!this.ctx.formats.accepts(cf)) return fail(this.ctx.formats.rejectCode);
    let targets: number[][];
    try {
      targets = decodeSenmlNames(req.payload, cf === ContentFormat.SenmlJson ? 'json' : 'cbor');
    } catch (e) {
      if (e instanceof ClientSimError) return fail('4.00', e.message);
      throw e;
    }
    if (targets.length === 0 || targets.some((t) => t.length === 0)) return fail('4.00', 'composite paths must name objects or below');
    if (targets.some((t) => t[0] === 0)) return fail('4.01');
    const res = this.encodeComposite(targets, req.accept ?? cf);
    if (res.code !== '2.05') return res;
    const { entries: _entries, ...response } = res;
    if (observe && req.observe === 0 && res.contentFormat !== undefined && res.payload) {
      const obs: Observation = {
        ids: [],
        targets,
        format: res.contentFormat,
        reg: observe,
        lastBytes: res.payload,
        lastNumber: undefined,
        lastNotifyAt: this.ctx.clock.now(),
        timer: undefined,
        dirty: false,
        sending: false,
        recheck: false,
      };
      observe.accept();
      observe.onCancel(() => this.drop(obs));
      (this.observations ??= new Set()).add(obs);
      this.schedule(obs, false);
    }
    return response;
  }

  /** Write-Composite (IPATCH / with SenML records naming full paths). */
  private writeComposite(req: CoapRequest): CoapResponse {
    const cf = req.contentFormat;
    if (cf !== ContentFormat.SenmlJson && cf !== ContentFormat.SenmlCbor) return fail('4.15');
    if (!this.ctx.formats.accepts(cf)) return fail(this.ctx.formats.rejectCode);
    let decoded;
    try {
      decoded = decodeEntries(req.payload, cf, [], this.ctx.tree.typeOf);
    } catch (e) {
      if (e instanceof ClientSimError) return fail('4.00', e.message);
      throw e;
    }
    const t = this.ctx.tree;
    for (const e of decoded.entries) {
      if (e.objectId === 0) return fail('4.01');
      if (!t.hasInstance(e.objectId, e.instanceId)) return fail('4.04');
      const def = t.resourceDef(e.objectId, e.resourceId);
      if (!def) return fail('4.04');
      if (!isWritableDef(def)) return fail('4.05');
    }
    applyWrites(t, decoded, true);
    return respond('2.04');
  }

  private discover(ids: number[]): CoapResponse {
    if (ids.length === 0 || ids.length > 3) return fail('4.05');
    const bad = this.checkTarget(ids);
    if (bad) return bad;
    const text = discoverLinks(this.ctx.tree, ids, (p) => this.attrs?.get(p));
    return respond('2.05', new TextEncoder().encode(text), ContentFormat.Link);
  }

  private writeAttributes(ids: number[], attributes: WrittenAttributes): CoapResponse {
    if (ids.length === 0 || ids.length > 3) return fail('4.05');
    const bad = this.checkTarget(ids);
    if (bad) return bad;
    // `null` removes an attribute.
    const changes = new Map(Object.entries(attributes).map(([k, v]) => [k as keyof NotificationAttributes, v ?? undefined] as const));
    const numeric = ids.length === 3 && ['integer', 'unsignedInteger', 'float'].includes(this.ctx.tree.typeOf(ids[0] as number, ids[2] as number) ?? '');
    for (const k of ['gt', 'lt', 'st'] as const) {
      if (changes.get(k) !== undefined && !numeric) return fail('4.00', `${k} needs a numeric resource`);
    }
    const key = pathKey(ids);
    const next = applyAttributeChanges(this.attrs?.get(key), changes);
    const pmin = next?.pmin;
    const pmax = next?.pmax;
    if (pmin !== undefined && pmax !== undefined && pmax < pmin) return fail('4.00', 'pmax < pmin');
    this.attrs ??= new Map();
    if (next) this.attrs.set(key, next);
    else this.attrs.delete(key);
    for (const obs of this.observations ?? []) this.schedule(obs, false);
    return respond('2.04');
  }

  private write(ids: number[], req: CoapRequest, replace: boolean): CoapResponse {
    const [o, i, r] = ids;
    if (o === undefined || i === undefined) return fail('4.05');
    const t = this.ctx.tree;
    if (!t.hasObject(o) || !t.hasInstance(o, i)) return fail('4.04');
    if (o === 0) return fail('4.01');
    if (r !== undefined) {
      const def = this.ctx.tree.resourceDef(o, r);
      if (!def) return fail('4.04');
      if (!isWritableDef(def)) return fail('4.05');
    }
    const format = req.contentFormat ?? (ids.length >= 3 ? ContentFormat.Text : undefined);
    if (format === undefined) return fail('4.00', 'missing Content-Format');
    if (!this.ctx.formats.accepts(format)) return fail(this.ctx.formats.rejectCode);
    let decoded;
    try {
      decoded = decodeEntries(req.payload, format, ids, this.ctx.tree.typeOf);
    } catch (e) {
      if (e instanceof ClientSimError) return fail(e.code === 'SIM_UNSUPPORTED_FORMAT' ? this.ctx.formats.rejectCode : '4.00', e.message);
      throw e;
    }
    if (decoded.instances.some((x) => x.objectId !== o || x.instanceId !== i)) return fail('4.00', 'payload outside the target');
    for (const e of decoded.entries) {
      const def = this.ctx.tree.resourceDef(e.objectId, e.resourceId);
      if (!def) return fail('4.04');
      if (!isWritableDef(def)) return fail('4.05');
      if (def.multiple !== true && e.resourceInstanceId !== undefined) return fail('4.00', 'not a multiple resource');
    }
    if (replace && ids.length === 2) {
      // Replace on an instance: writable values the payload leaves out are removed (behaviours,
      // which model the hardware, stay)
      const given = new Set(decoded.entries.map((e) => e.resourceId));
      for (const rid of t.resourceIds(o, i)) {
        const def = t.resourceDef(o, rid);
        if (!given.has(rid) && def && isWritableDef(def) && !t.isComputed(o, i, rid)) t.deleteResource(o, i, rid);
      }
    }
    applyWrites(t, decoded, replace && ids.length < 4);
    return respond('2.04');
  }

  private execute(ids: number[], text: string): CoapResponse {
    const [o, i, r] = ids as [number, number, number];
    const t = this.ctx.tree;
    if (!t.hasObject(o) || !t.hasInstance(o, i)) return fail('4.04');
    if (o === 0) return fail('4.01');
    if (!t.isExecutable(o, i, r)) return fail(t.hasResource(o, i, r) ? '4.05' : '4.04');
    // LwM2M 1.1 §5.4.5 argument list: 0='abc',1 (digits 0-9, optional quoted value)
    if (text !== '' && !EXECUTE_ARGS.test(text)) return fail('4.00', 'invalid execute arguments');
    t.execute(o, i, r, text);
    return respond('2.04');
  }

  private create(ids: number[], req: CoapRequest): CoapResponse {
    const o = ids[0] as number;
    const t = this.ctx.tree;
    const def = t.def(o);
    if (!t.hasObject(o) || !def) return fail('4.04');
    if (!def.multiple || o === 0 || o === 1) return fail('4.05');
    const format = req.contentFormat;
    let decoded: ReturnType<typeof decodeEntries> = { entries: [], instances: [] };
    if (req.payload.length > 0) {
      if (format === undefined) return fail('4.00', 'missing Content-Format');
      if (!this.ctx.formats.accepts(format)) return fail(this.ctx.formats.rejectCode);
      try {
        try {
          decoded = decodeEntries(req.payload, format, ids, this.ctx.tree.typeOf);
        } catch (first) {
          if (!(first instanceof ClientSimError) || first.code !== 'SIM_BAD_PAYLOAD') throw first;
          decoded = decodeEntries(req.payload, format, [o, t.freeInstanceId(o)], this.ctx.tree.typeOf);
        }
      } catch (e) {
        if (e instanceof ClientSimError) return fail(e.code === 'SIM_UNSUPPORTED_FORMAT' ? this.ctx.formats.rejectCode : '4.00', e.message);
        throw e;
      }
    }
    if (decoded.instances.length === 0) decoded.instances.push({ objectId: o, instanceId: t.freeInstanceId(o) });
    if (decoded.instances.length > 1) return fail('4.00', 'one instance per Create');
    const created = decoded.instances[0] as { objectId: number; instanceId: number };
    if (t.hasInstance(o, created.instanceId)) return fail('4.00', 'instance exists');
    for (const e of decoded.entries) if (!this.ctx.tree.resourceDef(e.objectId, e.resourceId)) return fail('4.04');
    applyWrites(t, decoded, true);
    return { code: '2.01', locationPath: [String(o), String(created.instanceId)] };
  }

  private delete(ids: number[]): CoapResponse {
    const [o, i] = ids;
    if (o === undefined || i === undefined || ids.length !== 2) return fail('4.05');
    const t = this.ctx.tree;
    if (!t.hasInstance(o, i)) return fail('4.04');
    if (o === 0 || o === 3) return fail('4.05');
    t.deleteInstance(o, i);
    return respond('2.02');
  }
}
