/**
 * `chainm2m trust show|list|probe`: trust scores through the running server's REST API, and
 * `show --verify`, which reads every evaluation from the TrustStore's events itself and recomputes
 * the score with the documented formula (`@chainm2m/trust`), so the answer does not rest on the
 * server's cache.
 */
import { ChainTrustLedger, connectChain, readDeployment } from '@chainm2m/chain-adapter';
import { computeTrust, fromFixedScore, readRelevantEvaluations, type TrustParams } from '@chainm2m/trust';
import { CliError, ExitCode, usage } from '../CliError.js';
import type { Command, CommandContext, OptionSpec, Values } from '../Command.js';
import { print, printJson, table } from '../Io.js';
import { chainRpcUrlFor, readRuntime } from '../stack/chain.js';

const API_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  api: { type: 'string', help: 'REST API base URL (default: the running `up`, else http://127.0.0.1:<api-port>)' },
  user: { type: 'string', help: 'API user (default admin; password from CHAINM2M_API_PASSWORD or CHAINM2M_ADMIN_PASSWORD, or a token in CHAINM2M_API_TOKEN)' },
};

/** A small client of the REST API (login once, JSON in and out). */
export class ApiClient {
  private token: string | undefined;
  constructor(
    readonly base: string,
    private readonly credentials: { user: string; password?: string | undefined; token?: string | undefined },
  ) {
    this.token = credentials.token;
  }

  static fromContext(ctx: CommandContext, values: Values): ApiClient {
    const runtime = readRuntime(ctx.config.dataDir);
    const host = ctx.config.host === '0.0.0.0' || ctx.config.host === '::' ? '127.0.0.1' : ctx.config.host;
    const base = typeof values['api'] === 'string' ? values['api'] : `http://${runtime?.host && runtime.host !== '0.0.0.0' ? runtime.host : host}:${runtime?.ports.api ?? ctx.config.apiPort}`;
    const env = ctx.io.env;
    return new ApiClient(base.replace(/\/+$/, ''), {
      user: typeof values['user'] === 'string' ? values['user'] : 'admin',
      password: env['CHAINM2M_API_PASSWORD'] || env['CHAINM2M_ADMIN_PASSWORD'] || undefined,
      token: env['CHAINM2M_API_TOKEN'] || undefined,
    });
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    if (!this.token) await this.login();
    const res = await this.fetch(method, path, body, this.token);
    const json = (await res.json().catch(() => ({}))) as { message?: string; code?: string };
    if (!res.ok) throw new CliError('CLI_FAILED', `${method} ${path}: ${res.status} ${json.code ?? ''} ${json.message ?? ''}`.trim());
    return json as T;
  }

  private async login(): Promise<void> {
    if (!this.credentials.password) {
      throw usage('no API credentials: set CHAINM2M_API_TOKEN, or CHAINM2M_API_PASSWORD (CHAINM2M_ADMIN_PASSWORD) for --user');
    }
    const res = await this.fetch('POST', '/api/auth/login', { username: this.credentials.user, password: this.credentials.password });
    const json = (await res.json().catch(() => ({}))) as { token?: string; message?: string };
    if (!res.ok || !json.token) throw new CliError('CLI_FAILED', `login as ${this.credentials.user} failed: ${res.status} ${json.message ?? ''}`.trim());
    this.token = json.token;
  }

  private async fetch(method: string, path: string, body: unknown, token?: string): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (e) {
      throw new CliError('CLI_FAILED', `cannot reach the REST API at ${this.base} (${(e as Error).message}); is 'chainm2m up' running?`, { cause: e });
    }
  }
}

interface TrustBody {
  subject: string;
  score: number | null;
  scoreFixed: number | null;
  asOf: number;
  throughId: number;
  evaluations: number;
  evidence: { total: Record<string, number> };
  recent: { id: number; evaluator: string; score: number; kind: string; at: string; txHash: string }[];
  interfaces: { index: number; digest: string; at: string; txHash: string }[];
  reevaluationPending: boolean;
  params: TrustParams;
}

const fmt = (s: number | null): string => (s === null ? 'unknown' : s.toFixed(6));

/** Recomputes a subject's score at `asOf` from the chain's events alone (evaluations with ids up to `throughId`). */
export async function recomputeFromChain(ctx: CommandContext, subject: string, asOf: number, throughId: number, params: TrustParams): Promise<{ score: number | null; chainEvaluations: number }> {
  const deployment = readDeployment(ctx.config.dataDir);
  if (!deployment) throw new CliError('CLI_NOT_DEPLOYED', `no deployment in ${ctx.config.dataDir}`);
  const { rpcUrl } = chainRpcUrlFor(ctx.config);
  const connection = await connectChain({ rpcUrl, deployment, requestTimeoutMs: 10_000 });
  try {
    const ledger = await ChainTrustLedger.open({ connection, pollIntervalMs: 0 });
    const evaluations = (await readRelevantEvaluations(ledger, subject, params)).filter((e) => e.id <= throughId);
    await ledger.close();
    return { score: computeTrust(evaluations, subject, asOf, params).score, chainEvaluations: evaluations.length };
  } finally {
    connection.close();
  }
}

const show: Command = {
  name: 'trust show',
  summary: "A subject's trust score, evidence, last evaluations and interface history (--verify: recompute it from the chain)",
  args: ['<subject>'],
  options: { ...API_OPTIONS, verify: { type: 'boolean', help: 'read the evaluations from the chain and recompute the score here' } },
  async run(ctx, [subject], values) {
    if (!subject) throw usage('trust show <subject>');
    const api = ApiClient.fromContext(ctx, values);
    const body = await api.request<TrustBody>('GET', `/api/trust/${encodeURIComponent(subject)}`);
    let verified: { score: number | null; chainEvaluations: number; matches: boolean } | undefined;
    if (values['verify'] === true) {
      const r = await recomputeFromChain(ctx, subject, body.asOf, body.throughId, body.params);
      verified = { ...r, matches: r.score === body.scoreFixed };
    }
    if (ctx.json) printJson(ctx.io, { ...body, ...(verified ? { verification: verified } : {}) });
    else {
      print(ctx.io, `${subject}: score ${fmt(body.score)} at ${new Date(body.asOf * 1000).toISOString()} from ${body.evaluations} evaluation(s)${body.reevaluationPending ? ' (re-evaluation pending)' : ''}`);
      const counts = Object.entries(body.evidence.total).filter(([, n]) => n > 0);
      if (counts.length > 0) print(ctx.io, `evidence: ${counts.map(([k, n]) => `${k} ${n}`).join(', ')}`);
      if (body.recent.length > 0) print(ctx.io, table([['id', 'evaluator', 'score', 'kind', 'at', 'tx'], ...body.recent.map((e) => [String(e.id), e.evaluator, e.score.toFixed(6), e.kind, e.at, e.txHash])]));
      if (body.interfaces.length > 0) print(ctx.io, table([['interface', 'digest', 'at', 'tx'], ...body.interfaces.map((r) => [String(r.index), r.digest, r.at, r.txHash])]));
      if (verified) {
        print(
          ctx.io,
          verified.matches
            ? `verified: recomputed ${fmt(verified.score === null ? null : fromFixedScore(verified.score))} from ${verified.chainEvaluations} evaluation(s) on chain: matches the API`
            : `MISMATCH: the chain's ${verified.chainEvaluations} evaluation(s) give ${fmt(verified.score === null ? null : fromFixedScore(verified.score))}, the API says ${fmt(body.score)}`,
        );
      }
    }
    return verified && !verified.matches ? ExitCode.Failure : ExitCode.Ok;
  },
};

const list: Command = {
  name: 'trust list',
  summary: 'Subjects by trust (--below 0.2: low trust; --objects 3303 --min 0.5: providers, most trusted first)',
  options: {
    ...API_OPTIONS,
    below: { type: 'string', help: 'only scores below this (-1..1)' },
    objects: { type: 'string', help: 'only devices providing these objects (comma-separated ids)' },
    min: { type: 'string', help: 'only scores at or above this (-1..1)' },
  },
  async run(ctx, _p, values) {
    const q = new URLSearchParams();
    for (const k of ['below', 'objects', 'min'] as const) if (typeof values[k] === 'string') q.set(k, values[k]);
    const api = ApiClient.fromContext(ctx, values);
    const page = await api.request<{ total: number; items: { subject: string; score: number | null; evaluations: number; objects?: number[] }[] }>('GET', `/api/trust${q.size > 0 ? `?${q}` : ''}`);
    if (ctx.json) printJson(ctx.io, page);
    else {
      print(ctx.io, table([['subject', 'score', 'evaluations', 'objects'], ...page.items.map((i) => [i.subject, fmt(i.score), String(i.evaluations), (i.objects ?? []).join(',')])]));
      print(ctx.io, `${page.items.length} of ${page.total} subject(s)`);
    }
    return ExitCode.Ok;
  },
};

const probe: Command = {
  name: 'trust probe',
  summary: 'Run the built-in test agent against a registered device (mandatory resources, types, latency, observe) and record its verdict on chain',
  args: ['<ep>'],
  options: { ...API_OPTIONS, 'max-latency': { type: 'string', help: 'slowest acceptable answer in ms (default 2000)' } },
  async run(ctx, [ep], values) {
    if (!ep) throw usage('trust probe <ep>');
    const max = values['max-latency'];
    if (typeof max === 'string' && !/^\d+$/.test(max)) throw usage('--max-latency must be milliseconds');
    const api = ApiClient.fromContext(ctx, values);
    const r = await api.request<{ report: { checks: { name: string; path: string; ok: boolean; detail?: string; ms?: number }[]; passed: number; failed: number }; evaluation: { score: number; txHash: string; evidence: string } }>(
      'POST',
      `/api/trust/probe/${encodeURIComponent(ep)}${typeof max === 'string' ? `?maxLatency=${max}` : ''}`,
    );
    if (ctx.json) printJson(ctx.io, r);
    else {
      print(ctx.io, table([['check', 'path', 'ok', 'detail'], ...r.report.checks.map((c) => [c.name, c.path, c.ok ? 'yes' : 'NO', c.detail ?? (c.ms !== undefined ? `${c.ms} ms` : '')])]));
      print(ctx.io, `${r.report.passed} passed, ${r.report.failed} failed: evaluation ${r.evaluation.score.toFixed(6)} recorded in ${r.evaluation.txHash} (evidence ${r.evaluation.evidence})`);
    }
    return r.report.failed > 0 ? ExitCode.Failure : ExitCode.Ok;
  },
};

export const trustCommands: readonly Command[] = [show, list, probe];
