import type { Registration } from '@chainm2m/lwm2m';
import type { ApiEvent, ApiEventSource, DeviceApi } from '../ApiDeps.js';

/** A DeviceApi over a map of resource values, for REST unit tests (the real one talks CoAP). */
export class FakeDeviceApi implements DeviceApi {
  readonly values = new Map<string, unknown>();
  readonly calls: string[] = [];
  readonly registrations = new Map<string, Registration>();

  async listClients(offset: number, limit: number) {
    const all = [...this.registrations.values()];
    return { items: all.slice(offset, offset + limit), total: all.length };
  }
  async getClient(endpoint: string) {
    return this.registrations.get(endpoint);
  }
  private known(endpoint: string): void {
    if (!this.registrations.has(endpoint)) throw Object.assign(new Error(`${endpoint} is not registered`), { code: 'SRV_DEVICE_NOT_REGISTERED' });
  }
  async read(endpoint: string, path: string) {
    this.known(endpoint);
    this.calls.push(`read ${endpoint} ${path}`);
    if (!this.values.has(`${endpoint}${path}`)) throw Object.assign(new Error('not found on device'), { code: 'SRV_DEVICE_ERROR', details: { coapCode: '4.04' } });
    return this.values.get(`${endpoint}${path}`);
  }
  async write(endpoint: string, path: string, content: unknown, opts: { replace: boolean }) {
    this.known(endpoint);
    this.calls.push(`write ${endpoint} ${path} ${opts.replace ? 'replace' : 'update'}`);
    this.values.set(`${endpoint}${path}`, content);
  }
  async execute(endpoint: string, path: string, args: string | undefined) {
    this.known(endpoint);
    this.calls.push(`execute ${endpoint} ${path} ${args ?? ''}`.trim());
  }
  async create(endpoint: string, path: string) {
    this.known(endpoint);
    this.calls.push(`create ${endpoint} ${path}`);
    return { location: `${path}/1` };
  }
  async delete(endpoint: string, path: string) {
    this.known(endpoint);
    this.calls.push(`delete ${endpoint} ${path}`);
  }
  async discover(endpoint: string, path: string) {
    this.known(endpoint);
    return [{ path, attributes: {} }];
  }
  async writeAttributes(endpoint: string, path: string, attributes: Readonly<Record<string, string>>) {
    this.known(endpoint);
    this.calls.push(`attributes ${endpoint} ${path} ${JSON.stringify(attributes)}`);
  }
  async observe(endpoint: string, path: string) {
    this.calls.push(`observe ${endpoint} ${path}`);
    return this.read(endpoint, path);
  }
  async cancelObserve(endpoint: string, path: string, opts: { active: boolean }) {
    this.known(endpoint);
    this.calls.push(`cancel ${endpoint} ${path} ${opts.active ? 'active' : 'passive'}`);
  }
}

/** An event source tests can push into. */
export class ManualEventSource implements ApiEventSource {
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  subscribe(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: ApiEvent): void {
    for (const l of this.listeners) l(event);
  }
  get subscribers(): number {
    return this.listeners.size;
  }
}
