/**
 * The built-in test agent (seed 000's functional and performance testing): checks a registered
 * device through the server — every registered instance of a known object is read, its mandatory
 * readable resources must be present and of the model's type, every answer must come within
 * `maxLatencyMs`, and an observation must start and cancel — then turns the verdict into an
 * evaluation (kind probe) whose evidence digest is the SHA-256 of the canonical report.
 */
import { ObjectRegistry, isReadable } from '@chainm2m/lwm2m';
import { EvaluationKind, SCORE_SCALE, evidenceDigest, roundDiv, type Evaluation } from '@chainm2m/trust';
import type { DeviceApi } from '../api/ApiDeps.js';

export interface ProbeCheck {
  readonly name: string;
  readonly path: string;
  readonly ok: boolean;
  readonly detail?: string;
  readonly ms?: number;
}

export interface ProbeReport {
  readonly endpoint: string;
  /** Unix seconds. */
  readonly at: number;
  readonly checks: readonly ProbeCheck[];
  readonly passed: number;
  readonly failed: number;
}

export interface ProbeOptions {
  readonly devices: DeviceApi;
  readonly objects?: ObjectRegistry;
  /** An answer slower than this fails its check; default 2,000 ms. */
  readonly maxLatencyMs?: number;
  /** Milliseconds, monotonic (for latencies). */
  readonly nowMs?: () => number;
  /** Unix seconds. */
  readonly nowSec?: () => number;
}

interface JsonResource {
  readonly id?: number;
  readonly type?: string;
}

/** Canonical text of a report (its digest is the evaluation's evidence). */
export function canonicalProbeReport(r: ProbeReport): string {
  return JSON.stringify({ endpoint: r.endpoint, at: r.at, checks: r.checks.map((c) => [c.name, c.path, c.ok, c.detail ?? null, c.ms ?? null]), passed: r.passed, failed: r.failed });
}

export async function probeDevice(endpoint: string, o: ProbeOptions): Promise<ProbeReport> {
  const registry = o.objects ?? new ObjectRegistry();
  const nowMs = o.nowMs ?? (() => performance.now());
  const maxMs = o.maxLatencyMs ?? 2_000;
  const checks: ProbeCheck[] = [];
  const reg = await o.devices.getClient(endpoint);
  if (!reg) {
    checks.push({ name: 'registered', path: '/', ok: false, detail: 'not registered' });
  } else {
    checks.push({ name: 'registered', path: '/', ok: true });
    const instances = reg.objectLinks.filter((l) => l.instanceId !== undefined && registry.has(l.objectId) && l.objectId >= 1);
    for (const link of instances.slice(0, 20)) {
      const model = registry.get(link.objectId);
      if (!model) continue;
      const path = `/${link.objectId}/${link.instanceId}`;
      const t0 = nowMs();
      let content: unknown;
      try {
        content = await o.devices.read(endpoint, path, { timeoutMs: maxMs * 2 });
      } catch (e) {
        checks.push({ name: 'read', path, ok: false, detail: (e as { code?: string }).code ?? 'error', ms: Math.round(nowMs() - t0) });
        continue;
      }
      const ms = Math.round(nowMs() - t0);
      checks.push({ name: 'answer-in-time', path, ok: ms <= maxMs, ms });
      const resources = ((content as { resources?: JsonResource[] } | undefined)?.resources ?? []) as JsonResource[];
      const byId = new Map(resources.map((r) => [r.id, r]));
      for (const rm of model.resources.values()) {
        if (!rm.mandatory || !isReadable(rm)) continue;
        const got = byId.get(rm.id);
        const rpath = `${path}/${rm.id}`;
        if (!got) checks.push({ name: 'mandatory-present', path: rpath, ok: false, detail: 'missing' });
        else checks.push({ name: 'well-typed', path: rpath, ok: got.type === rm.type, ...(got.type === rm.type ? {} : { detail: `${String(got.type)} instead of ${rm.type}` }) });
      }
    }
    // observe: the first readable resource of the first probed instance (/3/0/13 on most devices)
    const first = instances[0];
    const target = first ? [...(registry.get(first.objectId)?.resources.values() ?? [])].find((r) => isReadable(r) && r.mandatory) : undefined;
    if (first && target) {
      const path = `/${first.objectId}/${first.instanceId}/${target.id}`;
      const t0 = nowMs();
      try {
        await o.devices.observe(endpoint, path, { timeoutMs: maxMs * 2 });
        await o.devices.cancelObserve(endpoint, path, { active: false, timeoutMs: maxMs * 2 });
        checks.push({ name: 'observe', path, ok: true, ms: Math.round(nowMs() - t0) });
      } catch (e) {
        checks.push({ name: 'observe', path, ok: false, detail: (e as { code?: string }).code ?? 'error' });
      }
    }
  }
  const passed = checks.filter((c) => c.ok).length;
  return { endpoint, at: (o.nowSec ?? (() => Math.floor(Date.now() / 1000)))(), checks, passed, failed: checks.length - passed };
}

/** The report's verdict as an evaluation: score `(passed - failed) / checks`, weight 1. */
export function probeEvaluation(report: ProbeReport, evaluator: string): Evaluation {
  const n = report.passed + report.failed;
  const score = n === 0 ? 0 : Number(roundDiv(BigInt(report.passed - report.failed) * BigInt(SCORE_SCALE), BigInt(n)));
  return { subject: report.endpoint, evaluator, score, weight: 1_000, kind: EvaluationKind.Probe, evidence: evidenceDigest(canonicalProbeReport(report)), at: report.at };
}
