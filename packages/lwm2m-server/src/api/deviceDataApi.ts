import { parsePath, resourceInstance, type ObjectRegistry, type SecurityStore } from '@chainm2m/lwm2m';
import type { DeviceManagementService } from '../dm/DeviceManagementService.js';
import type { DeviceContent } from '../dm/DeviceContent.js';
import type { LatestValue, LatestValues } from '../dm/LatestValues.js';
import { ApiError, ApiErrorCode } from './ApiError.js';
import type { DeviceCallOptions, JsonContent } from './ApiDeps.js';
import { jsonToResource, jsonToResourceValue, nodeToJson } from './nodeJson.js';

/** A value as `GET …/data` and `send` events show it. */
export interface JsonLatestValue {
  readonly path: string;
  readonly node: JsonContent;
  /** ISO-8601, the device's time when it gave one. */
  readonly time?: string;
  readonly receivedAt: string;
}

/** Composite operations (LwM2M 1.1) and values pushed with Send, as the REST API needs them. */
export interface DeviceDataApi {
  readComposite(endpoint: string, paths: readonly string[], opts: DeviceCallOptions): Promise<JsonContent>;
  /** Returns the first content and the observation id (notifications arrive on /api/events). */
  observeComposite(endpoint: string, paths: readonly string[], opts: DeviceCallOptions): Promise<{ readonly content: JsonContent; readonly observationId?: string }>;
  cancelCompositeObservation(endpoint: string, observationId: string, opts: { readonly active: boolean }): Promise<void>;
  /** `values`: resource path to value (typed like a write), e.g. `{"/3/0/15": "UTC"}`. */
  writeComposite(endpoint: string, values: Readonly<Record<string, unknown>>, opts: DeviceCallOptions): Promise<void>;
  /** Latest values the endpoint sent, at or below `path`. */
  latest(endpoint: string, path: string | undefined): Promise<readonly JsonLatestValue[]>;
  clearanceOf(endpoint: string): Promise<number>;
}

export interface DeviceDataApiDeps {
  readonly devices: DeviceManagementService;
  readonly latestValues: LatestValues;
  readonly security: SecurityStore;
  readonly objects?: ObjectRegistry;
}

export function latestToJson(v: LatestValue): JsonLatestValue {
  return {
    path: v.path,
    node: nodeToJson(v.node),
    ...(v.time !== undefined ? { time: new Date(v.time).toISOString() } : {}),
    receivedAt: new Date(v.receivedAt).toISOString(),
  };
}

function compositeJson(c: DeviceContent): JsonContent {
  if (c.nodes !== undefined) return c.nodes.map((n) => ({ path: n.path, node: nodeToJson(n.node) }));
  return { contentFormat: c.contentFormat, payloadHex: Buffer.from(c.payload).toString('hex'), ...(c.decodeError ? { decodeError: c.decodeError } : {}) };
}

function lwm2mPath(text: string, field: string, minDepth: number): string {
  try {
    const p = parsePath(text);
    if (p.depth < minDepth) throw new Error(minDepth === 3 ? 'name a resource' : 'name an object or below');
    return p.toString();
  } catch (err) {
    throw new ApiError(ApiErrorCode.BadRequest, `${field}: ${(err as Error).message}`, { details: { field }, cause: err });
  }
}

export function deviceDataApiFromServer(deps: DeviceDataApiDeps): DeviceDataApi {
  const objects = deps.objects ?? deps.devices.objectRegistry;
  const opts = (o: DeviceCallOptions): { format?: number; timeoutMs?: number } => ({
    ...(o.format !== undefined ? { format: o.format } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  });
  const paths = (list: readonly string[]): string[] => list.map((p) => lwm2mPath(p, 'querystring/paths', 1));
  return {
    async readComposite(endpoint, list, o) {
      return compositeJson(await deps.devices.readComposite(endpoint, paths(list), opts(o)));
    },
    async observeComposite(endpoint, list, o) {
      const r = await deps.devices.observeComposite(endpoint, paths(list), opts(o));
      return { content: compositeJson(r.content), ...(r.observation ? { observationId: r.observation.id } : {}) };
    },
    async cancelCompositeObservation(endpoint, observationId, o) {
      const found = deps.devices.observations(endpoint).find((x) => x.composite && x.id === observationId);
      if (!found) throw new ApiError(ApiErrorCode.NotFound, `no composite observation ${observationId} on ${endpoint}`);
      await deps.devices.cancelObservation(found.id, { active: o.active });
    },
    async writeComposite(endpoint, values, o) {
      const entries = Object.entries(values);
      if (entries.length === 0) throw new ApiError(ApiErrorCode.BadRequest, 'body/values: give at least one path', { details: { field: 'body/values' } });
      const nodes = entries.map(([path, json]) => {
        const field = `body/values/${path}`;
        const p = parsePath(lwm2mPath(path, field, 3));
        const [o, r] = [p.objectId as number, p.resourceId as number];
        if (p.resourceInstanceId !== undefined) {
          const { type, value } = jsonToResourceValue(objects, o, r, json, field);
          return { path: p.toString(), node: resourceInstance(p.resourceInstanceId, type, value) };
        }
        return { path: p.toString(), node: jsonToResource(objects, o, r, json, field) };
      });
      await deps.devices.writeComposite(endpoint, nodes, opts(o));
    },
    async latest(endpoint, path) {
      const p = path === undefined ? undefined : lwm2mPath(path, 'querystring/path', 0);
      return deps.latestValues.get(endpoint, p).map(latestToJson);
    },
    async clearanceOf(endpoint) {
      return (await deps.security.getByEndpoint(endpoint))?.clearance ?? 0;
    },
  };
}
