import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  EvaluationKind,
  SCORE_SCALE,
  evaluationKindName,
  evidenceDigest,
  fromFixedScore,
  toFixedScore,
  type CachedTrust,
  type InterfaceRecord,
  type RecordedEvaluation,
  type TrustParams,
} from '@chainm2m/trust';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import type { DeviceApi } from '../ApiDeps.js';
import { claimsOf, requireRole } from '../auth.js';
import { errorResponses, SECURED_ERRORS } from '../schemas.js';
import type { TrustService } from '../../trust/TrustService.js';
import { probeDevice, probeEvaluation } from '../../trust/TrustProbe.js';


const score = (s: number | null): number | null => (s === null ? null : fromFixedScore(s));

function evaluationView(e: RecordedEvaluation): Record<string, unknown> {
  return {
    id: e.id,
    evaluator: e.evaluator,
    score: fromFixedScore(e.score),
    scoreFixed: e.score,
    weight: e.weight / 1000,
    kind: evaluationKindName(e.kind),
    evidence: e.evidence,
    at: new Date(e.at * 1000).toISOString(),
    txHash: e.txHash,
    blockNumber: e.blockNumber,
  };
}

function interfaceView(r: InterfaceRecord): Record<string, unknown> {
  return { index: r.index, digest: r.digest, at: new Date(r.at * 1000).toISOString(), txHash: r.txHash, blockNumber: r.blockNumber };
}

function entryView(c: CachedTrust): Record<string, unknown> {
  return { subject: c.subject, score: score(c.score), scoreFixed: c.score, asOf: c.asOf, evaluations: c.evaluations };
}

/** The parameters a verifier needs to recompute a score (docs/trust.md). */
export function paramsView(p: TrustParams): Record<string, unknown> {
  return { halfLifeSeconds: p.halfLifeSeconds, trustedEvaluators: p.trustedEvaluators, unknownEvaluatorTrust: p.unknownEvaluatorTrust, depth: p.depth };
}

const openObject = { type: 'object', additionalProperties: true } as const;
const subjectParam = { type: 'object', properties: { subject: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['subject'] } as const;

/**
 * Trust routes: scores, evidence, evaluations and interface history (`GET /api/trust/:subject`,
 * `?verify=true` recomputes from the chain), listings (`?below=`, `?objects=&min=`), and
 * `POST /api/trust/evaluations` for external evaluators. Everything is filtered by the caller's
 * clearance against the subject's (as the device routes are).
 */
export async function trustRoutes(app: FastifyInstance, trust: TrustService, devices: DeviceApi): Promise<void> {
  const readers = requireRole('user', 'application');
  const evaluators = requireRole('application');

  const visible = async (request: FastifyRequest, subject: string): Promise<boolean> => app.clearance.visibleTo(claimsOf(request))(subject);

  app.get<{ Params: { subject: string }; Querystring: { verify?: boolean } }>(
    '/api/trust/:subject',
    {
      preValidation: readers,
      schema: {
        tags: ['trust'],
        summary: "A subject's trust score, the evidence behind it, its last evaluations (with transaction hashes) and interface history",
        security: [{ bearer: [] }],
        params: subjectParam,
        querystring: { type: 'object', properties: { verify: { type: 'boolean', default: false } }, additionalProperties: false },
        response: { 200: { ...openObject, description: 'The score, its evidence, evaluations and interface history' }, ...errorResponses(...SECURED_ERRORS, 503) },
      },
    },
    async (request) => {
      const { subject } = request.params;
      if (!(await visible(request, subject))) {
        throw new ApiError(ApiErrorCode.Forbidden, `clearance ${claimsOf(request).clearance} is below what ${subject} requires`);
      }
      const v = await trust.view(subject);
      const verification = request.query.verify ? await trust.verify(subject) : undefined;
      return {
        subject,
        score: score(v.score),
        scoreFixed: v.score,
        known: v.score !== null,
        asOf: v.asOf,
        throughId: v.throughId,
        evaluations: v.evaluations,
        evidence: v.evidence,
        recent: [...v.recent].reverse().map(evaluationView),
        interfaces: v.interfaces.map(interfaceView),
        reevaluationPending: v.reevaluationPending,
        objects: v.objects,
        params: paramsView(trust.params),
        ...(verification
          ? { verification: { matches: verification.matches, recomputed: verification.recomputed, recomputedScore: score(verification.recomputed), chainEvaluations: verification.chainEvaluations, asOf: verification.asOf } }
          : {}),
      };
    },
  );

  app.get<{ Querystring: { below?: number; objects?: string; min?: number; offset: number; limit: number } }>(
    '/api/trust',
    {
      preValidation: readers,
      schema: {
        tags: ['trust'],
        summary: 'Subjects by trust: ?below=0.2 (low trust, lowest first), ?objects=3303,3304&min=0.5 (providers, most trusted first), or all known',
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          properties: {
            below: { type: 'number', minimum: -1, maximum: 1 },
            objects: { type: 'string', pattern: '^\\d{1,5}(,\\d{1,5})*$' },
            min: { type: 'number', minimum: -1, maximum: 1 },
            offset: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
        response: { 200: { ...openObject, description: 'Subjects, most trusted first (or below the threshold)' }, ...errorResponses(...SECURED_ERRORS) },
      },
    },
    async (request) => {
      const q = request.query;
      let entries: (CachedTrust & { objects?: readonly number[] })[];
      if (q.objects !== undefined) {
        entries = trust.providing(q.objects.split(',').map(Number), q.min === undefined ? -SCORE_SCALE : toFixedScore(q.min));
      } else if (q.below !== undefined) {
        entries = trust.below(toFixedScore(q.below));
      } else {
        entries = [...trust.cache.all()].sort((a, b) => a.subject.localeCompare(b.subject));
        if (q.min !== undefined) {
          const min = toFixedScore(q.min);
          entries = entries.filter((e) => e.score !== null && e.score >= min);
        }
      }
      const allowed: typeof entries = [];
      for (const e of entries) if (await visible(request, e.subject)) allowed.push(e);
      return {
        total: allowed.length,
        items: allowed.slice(q.offset, q.offset + q.limit).map((e) => ({ ...entryView(e), ...(e.objects ? { objects: e.objects } : {}) })),
      };
    },
  );

  app.post<{ Params: { ep: string }; Querystring: { maxLatency?: number } }>(
    '/api/trust/probe/:ep',
    {
      preValidation: evaluators,
      schema: {
        tags: ['trust'],
        summary: "Run the built-in test agent against a registered device and record its verdict (evaluator probe:<server>)",
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { ep: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['ep'] },
        querystring: { type: 'object', properties: { maxLatency: { type: 'integer', minimum: 10, maximum: 60_000 } }, additionalProperties: false },
        response: { 201: { ...openObject, description: 'The evaluation recorded' }, ...errorResponses(...SECURED_ERRORS, 404, 503) },
      },
    },
    async (request, reply) => {
      const { ep } = request.params;
      if (!(await visible(request, ep))) throw new ApiError(ApiErrorCode.Forbidden, `clearance ${claimsOf(request).clearance} is below what ${ep} requires`);
      if (!(await devices.getClient(ep))) throw new ApiError(ApiErrorCode.NotFound, `${ep} is not registered`);
      const report = await probeDevice(ep, { devices, nowSec: () => trust.now(), ...(request.query.maxLatency ? { maxLatencyMs: request.query.maxLatency } : {}) });
      const recorded = await trust.submit(probeEvaluation(report, trust.probeEvaluator));
      return reply.status(201).send({ report, evaluation: { subject: recorded.subject, ...evaluationView(recorded) } });
    },
  );

  app.post<{ Body: { subject: string; score: number; weight?: number; kind?: 'probe' | 'external'; evidence?: string; report?: string } }>(
    '/api/trust/evaluations',
    {
      preValidation: evaluators,
      schema: {
        tags: ['trust'],
        summary: 'Submit an evaluation (evaluator: user:<name>); recorded on chain',
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: {
            subject: { type: 'string', minLength: 1, maxLength: 256 },
            score: { type: 'number', minimum: -1, maximum: 1 },
            weight: { type: 'number', exclusiveMinimum: 0, maximum: 1000, default: 1 },
            kind: { type: 'string', enum: ['probe', 'external'], default: 'external' },
            evidence: { type: 'string', pattern: '^0x[0-9a-f]{64}$', description: 'SHA-256 of the evidence report' },
            report: { type: 'string', maxLength: 65536, description: 'the evidence report itself (its SHA-256 becomes the digest)' },
          },
          required: ['subject', 'score'],
          additionalProperties: false,
        },
        response: { 201: { ...openObject, description: 'The evaluation recorded' }, ...errorResponses(...SECURED_ERRORS, 503) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const claims = claimsOf(request);
      if (!(await visible(request, b.subject))) throw new ApiError(ApiErrorCode.Forbidden, `clearance ${claims.clearance} is below what ${b.subject} requires`);
      if (b.evidence === undefined && b.report === undefined) {
        throw new ApiError(ApiErrorCode.BadRequest, 'body: evidence (a digest) or report is required', { details: { field: 'body/evidence' } });
      }
      const evidence = b.evidence ?? evidenceDigest(b.report as string);
      const recorded = await trust.submit({
        subject: b.subject,
        evaluator: `user:${claims.sub}`,
        score: toFixedScore(b.score),
        weight: Math.max(1, Math.round((b.weight ?? 1) * 1000)),
        kind: b.kind === 'probe' ? EvaluationKind.Probe : EvaluationKind.External,
        evidence,
        at: trust.now(),
      });
      return reply.status(201).send({ subject: recorded.subject, ...evaluationView(recorded) });
    },
  );
}
