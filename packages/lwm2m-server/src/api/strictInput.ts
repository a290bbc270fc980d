import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, ApiErrorCode } from './ApiError.js';

/**
 * Strict input on every route. Bodies are JSON and validated without any type coercion (fastify's
 * ajv runs with `coerceTypes: false`): `{"endpoint": 123}`, `"clearance": "7"`, `[9]` and
 * `"active": 0` are 400s naming the field. Query strings and path parameters arrive as text; a
 * `preValidation` hook turns the values the route's schema types as integer, number or boolean
 * into numbers and booleans by exact rules (decimal digits, `true`/`false`), and leaves anything
 * else as text for the schema to refuse — `" 7"`, `"0x10"`, `"1e3"` for an integer, `"Infinity"`,
 * `"1"` for a boolean, a repeated parameter.
 */
export const strictAjvOptions = { removeAdditional: false, coerceTypes: false, allErrors: false, useDefaults: true } as const;

const INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

interface PropertySchema {
  readonly type?: string | readonly string[];
}

/** Converts the text values of `data` that `schema` types as integer/number/boolean, exactly. */
export function parseTextValues(schema: unknown, data: unknown): void {
  if (typeof data !== 'object' || data === null || typeof schema !== 'object' || schema === null) return;
  const properties = (schema as { properties?: Record<string, PropertySchema> }).properties;
  if (!properties) return;
  const target = data as Record<string, unknown>;
  for (const [name, prop] of Object.entries(properties)) {
    const value = target[name];
    if (typeof value !== 'string') continue;
    const types = prop.type === undefined ? [] : typeof prop.type === 'string' ? [prop.type] : prop.type;
    if (types.includes('string')) continue;
    if (types.includes('integer') && INTEGER.test(value)) target[name] = Number(value);
    else if (types.includes('number') && NUMBER.test(value) && Number.isFinite(Number(value))) target[name] = Number(value);
    else if (types.includes('boolean') && (value === 'true' || value === 'false')) target[name] = value === 'true';
  }
}

/** The first problem of a schema validation, as the field (`body/clearance`) and a sentence naming it. */
export function validationProblem(err: { validation?: unknown; validationContext?: unknown; message?: unknown }): { field: string; message: string } {
  const context = typeof err.validationContext === 'string' ? err.validationContext : 'body';
  const first = (Array.isArray(err.validation) ? err.validation[0] : undefined) as
    | { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }
    | undefined;
  if (!first) return { field: context, message: typeof err.message === 'string' ? err.message : `${context}: invalid` };
  let field = `${context}${first.instancePath ?? ''}`;
  let message = `${field} ${first.message ?? 'is invalid'}`;
  if (first.keyword === 'additionalProperties' && typeof first.params?.['additionalProperty'] === 'string') {
    field = `${field}/${first.params['additionalProperty']}`;
    message = `${field}: unknown field`;
  } else if (first.keyword === 'required' && typeof first.params?.['missingProperty'] === 'string') {
    field = `${field}/${first.params['missingProperty']}`;
    message = `${field}: required`;
  }
  return { field, message };
}

function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null) return true;
  return typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
}

/** Adds the hooks: exact parsing of query/path values; a body on a route that takes none is a 400. */
export function strictInput(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const schema = request.routeOptions.schema;
    if (!schema) return;
    parseTextValues(schema.querystring, request.query);
    parseTextValues(schema.params, request.params);
  });
  app.addHook('preHandler', async (request: FastifyRequest) => {
    if (request.routeOptions.schema?.body === undefined && !isEmptyBody(request.body)) {
      throw new ApiError(ApiErrorCode.BadRequest, 'body: this operation takes no body', { details: { field: 'body' } });
    }
  });
}
