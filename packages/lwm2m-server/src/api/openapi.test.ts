import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { apiHarness, type ApiHarness } from './testing/apiHarness.js';

interface Schema {
  readonly type?: string;
  readonly properties?: Record<string, unknown>;
  readonly required?: readonly string[];
  readonly additionalProperties?: unknown;
  readonly example?: unknown;
}
interface Response {
  readonly description?: string;
  readonly content?: Record<string, { readonly schema?: Schema; readonly example?: unknown }>;
}
interface Operation {
  readonly tags?: readonly string[];
  readonly summary?: string;
  readonly security?: unknown;
  readonly parameters?: readonly { readonly in: string; readonly name: string }[];
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: Schema }> };
  readonly responses: Record<string, Response>;
}
interface Doc {
  readonly paths: Record<string, Record<string, Operation>>;
}

describe('the OpenAPI document', () => {
  let h: ApiHarness;
  let doc: Doc;
  let operations: { readonly id: string; readonly path: string; readonly op: Operation }[];
  beforeAll(async () => {
    h = await apiHarness();
    doc = (await h.app.inject({ url: '/api/openapi.json' })).json();
    operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, path, op })));
  });
  afterAll(async () => {
    await h.app.close();
  });

  it('validates against the OpenAPI 3.0 schema (swagger-parser)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    // The validator is not a rubber stamp: a response without its description is refused.
    const broken = structuredClone(doc) as { paths: Record<string, Record<string, { responses: Record<string, { description?: string }> }>> };
    delete broken.paths['/health']?.['get']?.responses['200']?.description;
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it('has /health and /metrics, and every route the app serves', () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/metrics', '/api/auth/login', '/api/clients', '/api/events', '/api/anomalies', '/api/users/{username}']));
    expect(operations.length).toBeGreaterThan(35);
  });

  it('every operation has tags, a summary and a 2xx answer with a schema (or a 204 without a body)', () => {
    for (const { id, op } of operations) {
      expect(op.tags?.length, id).toBeGreaterThan(0);
      expect(op.summary, id).toBeTruthy();
      const ok = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect(ok.length, id).toBeGreaterThan(0);
      for (const [status, res] of ok) {
        expect(res.description, `${id} ${status}`).not.toBe('Default Response');
        if (status === '204') expect(res.content, `${id} 204`).toBeUndefined();
        else expect(Object.values(res.content ?? {})[0]?.schema, `${id} ${status}`).toBeDefined();
      }
    }
  });

  it('every operation documents its 400/401/403/404 where they apply', () => {
    for (const { id, op } of operations) {
      const has = (status: number) => expect(op.responses[String(status)], `${id} lacks ${status}`).toBeDefined();
      const inputs = (op.parameters ?? []).length > 0 || op.requestBody !== undefined;
      if (inputs) has(400);
      if (op.security) {
        has(401);
        has(403);
      }
      if ((op.parameters ?? []).some((p) => p.in === 'path')) has(404);
    }
  });

  it('every error answer has the error body schema with a required `code`, and an example', () => {
    let checked = 0;
    for (const { id, op } of operations) {
      for (const [status, res] of Object.entries(op.responses)) {
        if (!/^[45]\d\d$/.test(status) || id === 'GET /health') continue;
        const media = res.content?.['application/json'];
        expect(media?.schema?.properties, `${id} ${status}`).toHaveProperty('code');
        expect(media?.schema?.required, `${id} ${status}`).toContain('code');
        expect(media?.schema?.example ?? media?.example, `${id} ${status}`).toBeDefined();
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('every request body refuses unknown fields (additionalProperties: false)', () => {
    const bodies = operations.filter(({ op }) => op.requestBody !== undefined);
    expect(bodies.length).toBeGreaterThan(8);
    for (const { id, op } of bodies) {
      const content = op.requestBody?.content ?? {};
      const schema = content['application/json']?.schema;
      // A JSON body refuses unknown fields; a file body (the CSV import) is one text.
      if (schema === undefined && content['text/csv'] !== undefined) expect(content['text/csv'].schema?.type, id).toBe('string');
      else expect(schema?.additionalProperties, id).toBe(false);
    }
  });
});
