/**
 * Provenance REST API: transactions (`POST /api/provenance/transactions`, `.../:id/end`), queries
 * filtered by the caller's clearance, receipts, and application keys. Also puts the caller, the
 * `X-Provenance-Transaction` header and a verified `X-Provenance-Signature` in the provenance
 * context of device requests, where the device management service's recording hook finds them,
 * and answers with the transaction id and the record's seq in headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import {
  appSigningMessage,
  ed25519PublicKey,
  sha256Hex,
  userParty,
  visible,
  isProvenanceError,
  type AnchorReader,
  type AppSignature,
  type ProvenanceRecord,
  type ProvenanceRecorder,
} from '@chainm2m/provenance';
import { verify } from 'node:crypto';
import { ApiError, ApiErrorCode } from '../ApiError.js';
import { claimsOf } from '../auth.js';
import { errorResponses, errorSchema, SECURED_ERRORS } from '../schemas.js';
import { runWithProvenance } from '../../provenance/provenanceContext.js';
import type { AppKeyRegistry } from '../../provenance/AppKeyRegistry.js';

export const TX_HEADER = 'x-provenance-transaction';
export const SIGNATURE_HEADER = 'x-provenance-signature';
export const RECORD_HEADER = 'x-provenance-record';

export interface ProvenanceApiDeps {
  readonly recorder: ProvenanceRecorder;
  readonly appKeys: AppKeyRegistry;
  /** Reads an anchored root from the chain (AuditAnchor.checkRoot), for receipt checks by clients. */
  readonly anchors?: AnchorReader | undefined;
}

const recordSchema = { type: 'object', additionalProperties: true } as const;
const seqParams = { type: 'object', properties: { seq: { type: 'integer', minimum: 1 } }, required: ['seq'] } as const;
const txParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['id'] } as const;

function txHeader(request: FastifyRequest): string | undefined {
  const h = request.headers[TX_HEADER];
  if (h === undefined) return undefined;
  if (typeof h !== 'string' || h.length === 0 || h.length > 128) {
    throw new ApiError(ApiErrorCode.BadRequest, `header ${TX_HEADER}: one transaction id of 1 to 128 characters`, { details: { field: `headers/${TX_HEADER}` } });
  }
  return h;
}

/** The body digest an application signs: SHA-256 of `JSON.stringify(body)`, of '' without a body. */
export function bodyDigest(body: unknown): string {
  return sha256Hex(body === undefined || body === null ? '' : JSON.stringify(body));
}

function appSignatureOf(request: FastifyRequest, keys: AppKeyRegistry, tx: string | undefined): AppSignature | undefined {
  const sig = request.headers[SIGNATURE_HEADER];
  if (sig === undefined) return undefined;
  const field = { details: { field: `headers/${SIGNATURE_HEADER}` } };
  if (typeof sig !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(sig)) throw new ApiError(ApiErrorCode.BadRequest, `header ${SIGNATURE_HEADER}: an Ed25519 signature in base64url`, field);
  if (tx === undefined) throw new ApiError(ApiErrorCode.BadRequest, `a signed request names its transaction in ${TX_HEADER}`, field);
  const claims = claimsOf(request);
  const publicKey = keys.get(claims.sub);
  const key = publicKey === undefined ? undefined : ed25519PublicKey(publicKey);
  if (!key || publicKey === undefined) throw new ApiError(ApiErrorCode.Forbidden, `no application key is registered for ${claims.sub}`);
  const bodySha256 = bodyDigest(request.body);
  const method = request.method.toUpperCase();
  if (!verify(null, appSigningMessage(method, request.url, bodySha256, tx), key, Buffer.from(sig, 'base64url'))) {
    throw new ApiError(ApiErrorCode.Forbidden, `${SIGNATURE_HEADER} does not verify with the key registered for ${claims.sub}`);
  }
  return { publicKey, signature: sig, method, target: request.url, bodySha256 };
}

function view(r: ProvenanceRecord): Record<string, unknown> {
  return { ...r, time: new Date(r.time).toISOString() };
}

function parseTime(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ApiError(ApiErrorCode.BadRequest, `querystring/${field}: an ISO 8601 date-time`, { details: { field: `querystring/${field}` } });
  return t;
}

/** Registers the provenance routes and the device-request hook in the protected context `app`. */
export async function provenanceRoutes(app: FastifyInstance, deps: ProvenanceApiDeps): Promise<void> {
  const { recorder, appKeys } = deps;

  // Device requests run inside their provenance context.
  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (!request.url.startsWith('/api/clients/')) {
      done();
      return;
    }
    let ctx;
    try {
      const claims = claimsOf(request);
      const tx = txHeader(request);
      const appSignature = appSignatureOf(request, appKeys, tx);
      ctx = {
        sender: userParty(claims.sub, claims.clearance),
        tx,
        appSignature,
        onRecord: (r: ProvenanceRecord) => {
          void reply.header(TX_HEADER, r.tx);
          void reply.header(RECORD_HEADER, String(r.seq));
        },
      };
    } catch (e) {
      done(e as Error);
      return;
    }
    runWithProvenance(ctx, () => done());
  });

  app.post(
    '/api/provenance/transactions',
    {
      schema: {
        tags: ['provenance'],
        summary: 'Begin a transaction (its provenance is the caller); continue it with the X-Provenance-Transaction header',
        security: [{ bearer: [] }],
        response: { 201: { type: 'object', properties: { tx: { type: 'string' }, seq: { type: 'integer' } } } },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      const r = await recorder.beginTransaction(userParty(claims.sub, claims.clearance));
      return reply.status(201).header(TX_HEADER, r.tx).send({ tx: r.tx, seq: r.seq });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/provenance/transactions/:id/end',
    {
      schema: {
        tags: ['provenance'],
        summary: 'End a transaction (403 with the reason for an unknown or closed one, recorded as invalid)',
        security: [{ bearer: [] }],
        params: txParams,
        response: { 200: { type: 'object', properties: { tx: { type: 'string' }, seq: { type: 'integer' } } }, 403: errorSchema },
      },
    },
    async (request) => {
      const claims = claimsOf(request);
      const r = await recorder.endTransaction(request.params.id, userParty(claims.sub, claims.clearance));
      return { tx: r.tx, seq: r.seq };
    },
  );

  app.get<{ Querystring: { endpoint?: string; tx?: string; since?: string; until?: string; invalid?: boolean; offset: number; limit: number } }>(
    '/api/provenance',
    {
      schema: {
        tags: ['provenance'],
        summary: 'Provenance records, newest first, only those whose sender and receiver are within the caller\'s clearance',
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            endpoint: { type: 'string', minLength: 1, maxLength: 128 },
            tx: { type: 'string', minLength: 1, maxLength: 128 },
            since: { type: 'string', description: 'ISO 8601 date-time (inclusive)' },
            until: { type: 'string', description: 'ISO 8601 date-time (inclusive)' },
            invalid: { type: 'boolean' },
            offset: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: recordSchema }, offset: { type: 'integer' }, limit: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const q = request.query;
      const page = recorder.list({
        endpoint: q.endpoint,
        tx: q.tx,
        since: parseTime(q.since, 'since'),
        until: parseTime(q.until, 'until'),
        invalidOnly: q.invalid === true,
        maxClearance: claimsOf(request).clearance,
        offset: q.offset,
        limit: q.limit,
      });
      return { items: page.items.map(view), offset: q.offset, limit: q.limit };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/provenance/tx/:id',
    {
      schema: { tags: ['provenance'], summary: 'The causal chain of one transaction, in order', security: [{ bearer: [] }], params: txParams, response: { 404: errorSchema } },
    },
    async (request) => {
      const items = recorder.transaction(request.params.id, claimsOf(request).clearance);
      if (items.length === 0) throw new ApiError(ApiErrorCode.NotFound, `no transaction ${request.params.id}`);
      return { tx: request.params.id, items: items.map(view) };
    },
  );

  const visibleRecord = (request: FastifyRequest, seq: number): ProvenanceRecord => {
    const r = recorder.get(seq);
    if (!r || !visible(r, claimsOf(request).clearance)) throw new ApiError(ApiErrorCode.NotFound, `no provenance record ${seq}`);
    return r;
  };

  if (deps.anchors) {
    const anchors = deps.anchors;
    app.get<{ Params: { root: string }; Querystring: { signingKey: string; contract: string; chainId: number } }>(
      '/api/provenance/anchors/:root',
      {
        schema: {
          tags: ['provenance'],
          summary: "Read-only: what the chain's AuditAnchor holds for a batch root, and whether it published a signing key (one eth_call), for checking a receipt",
          security: [{ bearer: [] }],
          params: { type: 'object', properties: { root: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' } }, required: ['root'] },
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['signingKey', 'contract', 'chainId'],
            properties: { signingKey: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' }, contract: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' }, chainId: { type: 'integer', minimum: 1 } },
          },
          response: {
            200: {
              description: 'The anchor of the root (anchored false when the chain has none) and whether the key is published',
              type: 'object',
              properties: { anchored: { type: 'boolean' }, fromSeq: { type: 'integer' }, toSeq: { type: 'integer' }, count: { type: 'integer' }, prevRoot: { type: 'string' }, keyPublished: { type: 'boolean' } },
            },
            ...errorResponses(...SECURED_ERRORS, 503),
          },
        },
      },
      async (request) =>
        anchors({
          root: request.params.root,
          signingKey: request.query.signingKey,
          placement: { txHash: '', blockNumber: 0, chainId: request.query.chainId, contract: request.query.contract },
        }),
    );
  }

  app.get<{ Params: { seq: number } }>(
    '/api/provenance/records/:seq',
    { schema: { tags: ['provenance'], summary: 'One provenance record', security: [{ bearer: [] }], params: seqParams, response: { 404: errorSchema } } },
    async (request) => view(visibleRecord(request, request.params.seq)),
  );

  app.get<{ Params: { seq: number } }>(
    '/api/provenance/records/:seq/receipt',
    {
      schema: {
        tags: ['provenance'],
        summary: 'Receipt of one record (check it with `chainm2m verify receipt.json`); 404 with expectedAt until anchored',
        security: [{ bearer: [] }],
        params: seqParams,
      },
    },
    async (request, reply) => {
      visibleRecord(request, request.params.seq);
      try {
        return recorder.receipt(request.params.seq);
      } catch (e) {
        if (isProvenanceError(e, 'PROV_NOT_ANCHORED')) {
          const inMs = e.details?.['expectedInMs'];
          return reply.status(404).send({
            error: 'Not Found',
            code: e.code,
            message: e.message,
            expectedAt: typeof inMs === 'number' ? new Date(Date.now() + inMs).toISOString() : null,
          });
        }
        throw e;
      }
    },
  );

  app.put<{ Body: { publicKey: string } }>(
    '/api/provenance/keys',
    {
      schema: {
        tags: ['provenance'],
        summary: "Register the caller's Ed25519 public key (raw, base64url) for X-Provenance-Signature",
        security: [{ bearer: [] }],
        body: { type: 'object', additionalProperties: false, required: ['publicKey'], properties: { publicKey: { type: 'string', minLength: 43, maxLength: 44 } } },
      },
    },
    async (request, reply) => {
      appKeys.set(claimsOf(request).sub, request.body.publicKey);
      return reply.status(204).send();
    },
  );
}
