import { parsePath, resourceInstance, singleResource, type Lwm2mPath, type ObjectRegistry, type SecurityStore } from '@chainm2m/lwm2m';
import type { CreateContent, DeviceManagementService, WriteContent } from '../dm/DeviceManagementService.js';
import type { DeviceContent } from '../dm/DeviceContent.js';
import type { Lwm2mServerEvents } from '../events/ServerEvents.js';
import type { RegistrationService } from '../registration/RegistrationService.js';
import { ApiError, ApiErrorCode } from './ApiError.js';
import { latestToJson } from './deviceDataApi.js';
import type { ApiEvent, ApiEventSource, DeviceApi, JsonContent } from './ApiDeps.js';
import { jsonToInstance, jsonToResource, jsonToResourceValue, jsonToResources, nodeToJson } from './nodeJson.js';

export interface DeviceApiDeps {
  readonly registrations: RegistrationService;
  readonly devices: DeviceManagementService;
  /** For the clearance an endpoint requires of callers. */
  readonly security: SecurityStore;
  readonly objects?: ObjectRegistry;
}

/** Decoded content as JSON; undecodable content as its format and hex bytes, with the reason. */
function contentJson(c: DeviceContent): JsonContent {
  if (c.node !== undefined) return nodeToJson(c.node);
  if (c.nodes !== undefined) return c.nodes.map((n) => ({ path: n.path, node: nodeToJson(n.node) }));
  return { contentFormat: c.contentFormat, payloadHex: Buffer.from(c.payload).toString('hex'), ...(c.decodeError ? { decodeError: c.decodeError } : {}) };
}

function parse(path: string): Lwm2mPath {
  try {
    return parsePath(path);
  } catch (err) {
    throw new ApiError(ApiErrorCode.BadRequest, `path: ${(err as Error).message}`, { details: { field: 'path' }, cause: err });
  }
}

/** The REST API's view of the LwM2M server: JSON in and out, typed by the object model. */
export function deviceApiFromServer(deps: DeviceApiDeps): DeviceApi {
  const objects = deps.objects ?? deps.devices.objectRegistry;

  const writeContent = (path: string, json: unknown): WriteContent => {
    const p = parse(path);
    if (p.objectId === undefined) throw new ApiError(ApiErrorCode.BadRequest, `path: write an instance or a resource, not ${path}`, { details: { field: 'path' } });
    if (p.resourceId !== undefined) {
      const model = objects.resource(p.objectId, p.resourceId);
      if (p.resourceInstanceId === undefined && (model ? model.multiple : typeof json === 'object' && json !== null)) {
        return { kind: 'node', node: jsonToResource(objects, p.objectId, p.resourceId, json, 'body/content') };
      }
      const { type, value } = jsonToResourceValue(objects, p.objectId, p.resourceId, json, 'body/content');
      if (p.resourceInstanceId !== undefined) return { kind: 'node', node: resourceInstance(p.resourceInstanceId, type, value) };
      return { kind: 'node', node: singleResource(p.resourceId, type, value) };
    }
    if (p.instanceId !== undefined) return { kind: 'node', node: jsonToInstance(objects, p.objectId, p.instanceId, json) };
    throw new ApiError(ApiErrorCode.BadRequest, `path: write an instance or a resource, not ${path}`, { details: { field: 'path' } });
  };

  /** `{"id": N, "resources": {...}}` asks for instance N; a bare resource map lets the device choose. */
  const createContent = (objectId: number, json: unknown): CreateContent => {
    const body = json as { id?: unknown; resources?: unknown } | undefined;
    if (typeof body === 'object' && body !== null && 'resources' in body) {
      if (body.id === undefined) return { resources: jsonToResources(objects, objectId, body.resources, 'body/content/resources') };
      if (typeof body.id !== 'number' || !Number.isInteger(body.id) || body.id < 0 || body.id > 65534) {
        throw new ApiError(ApiErrorCode.BadRequest, 'body/content/id: must be an instance id 0..65534', { details: { field: 'body/content/id' } });
      }
      return { instanceId: body.id, resources: jsonToResources(objects, objectId, body.resources, 'body/content/resources') };
    }
    return { resources: jsonToResources(objects, objectId, json) };
  };

  const observationId = (endpoint: string, path: string): string => {
    const found = deps.devices.observations(endpoint).find((o) => !o.composite && o.paths[0] === path);
    if (!found) throw new ApiError(ApiErrorCode.NotFound, `no observation of ${path} on ${endpoint}`);
    return found.id;
  };

  return {
    async listClients(offset, limit) {
      const page = await deps.registrations.list({ offset, limit });
      return { items: page.items, total: page.total };
    },
    getClient: (endpoint) => deps.registrations.get(endpoint),
    async read(endpoint, path, opts) {
      return contentJson(await deps.devices.read(endpoint, parse(path).toString(), { ...format(opts.format), ...timeout(opts.timeoutMs) }));
    },
    async write(endpoint, path, content, opts) {
      await deps.devices.write(endpoint, parse(path).toString(), writeContent(path, content), { mode: opts.replace ? 'replace' : 'update', ...format(opts.format), ...timeout(opts.timeoutMs) });
    },
    async execute(endpoint, path, args, opts) {
      await deps.devices.execute(endpoint, parse(path).toString(), { ...(args !== undefined ? { arguments: args } : {}), ...timeout(opts.timeoutMs) });
    },
    async create(endpoint, path, content, opts) {
      const p = parse(path);
      if (p.objectId === undefined || p.instanceId !== undefined) throw new ApiError(ApiErrorCode.BadRequest, `path: create takes an object path, not ${path}`, { details: { field: 'path' } });
      return deps.devices.create(endpoint, p.toString(), createContent(p.objectId, content), { ...format(opts.format), ...timeout(opts.timeoutMs) });
    },
    async delete(endpoint, path, opts) {
      await deps.devices.delete(endpoint, parse(path).toString(), timeout(opts.timeoutMs));
    },
    async discover(endpoint, path, opts) {
      const links = await deps.devices.discover(endpoint, parse(path).toString(), timeout(opts.timeoutMs));
      return links.map((l) => ({ path: l.uri, attributes: Object.fromEntries(Object.entries(l.attributes).map(([k, v]) => [k, String(v)])) }));
    },
    async writeAttributes(endpoint, path, attributes, opts) {
      const numeric = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, Number(v)]));
      await deps.devices.writeAttributes(endpoint, parse(path).toString(), numeric, timeout(opts.timeoutMs));
    },
    async observe(endpoint, path, opts) {
      const r = await deps.devices.observe(endpoint, parse(path).toString(), { ...format(opts.format), ...timeout(opts.timeoutMs) });
      return contentJson(r.content);
    },
    async cancelObserve(endpoint, path, opts) {
      await deps.devices.cancelObservation(observationId(endpoint, parse(path).toString()), { active: opts.active });
    },
    async clearanceOf(endpoint) {
      return (await deps.security.getByEndpoint(endpoint))?.clearance ?? 0;
    },
  };
}

function format(f: number | undefined): { format?: number } {
  return f !== undefined ? { format: f } : {};
}

function timeout(ms: number | undefined): { timeoutMs?: number } {
  return ms !== undefined ? { timeoutMs: ms } : {};
}

/** Server-sent events from the LwM2M server's events (plus whatever `extra` sources push). */
export function apiEventsFromServer(events: Lwm2mServerEvents): ApiEventSource & { emit(event: ApiEvent): void } {
  const listeners = new Set<(e: ApiEvent) => void>();
  const emit = (e: ApiEvent): void => {
    for (const l of listeners) l(e);
  };
  const view = (r: { id: string; lifetime: number; binding: string; address: { address: string; port: number } }) => ({
    registrationId: r.id,
    lifetime: r.lifetime,
    binding: r.binding,
    address: `${r.address.address}:${r.address.port}`,
  });
  events.on('registered', (e) => emit({ type: 'registration', endpoint: e.registration.endpoint, data: view(e.registration) }));
  events.on('updated', (e) => emit({ type: 'update', endpoint: e.registration.endpoint, data: view(e.registration) }));
  events.on('deregistered', (e) => emit({ type: 'deregistration', endpoint: e.registration.endpoint, data: { ...view(e.registration), reason: e.reason } }));
  events.on('expired', (e) => emit({ type: 'deregistration', endpoint: e.registration.endpoint, data: { ...view(e.registration), reason: 'expired' } }));
  events.on('notification', (e) =>
    emit({ type: 'notification', endpoint: e.endpoint, data: { observationId: e.observationId, paths: e.paths, content: contentJson(e.content), at: new Date(e.at).toISOString() } }),
  );
  events.on('send', (e) => emit({ type: 'send', endpoint: e.endpoint, data: { values: e.values.map(latestToJson), at: new Date(e.at).toISOString() } }));
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit,
  };
}
