import type { Session } from './types.js';

/** An error answer of the REST API (`{ error, code, message, field? }`) or a network failure. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export interface ApiClientOptions {
  /** Called on any 401: the token expired or was revoked. */
  readonly onUnauthorized: () => void;
  readonly fetch?: typeof fetch;
  readonly base?: string;
}

/**
 * The one data-loading layer of the console: same-origin calls to the public REST API with the
 * session's bearer token. Nothing else in the console calls `fetch`.
 */
export class ApiClient {
  private session: Session | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;

  constructor(private readonly opts: ApiClientOptions) {
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.base = opts.base ?? '';
  }

  setSession(session: Session | undefined): void {
    this.session = session;
  }

  get token(): string | undefined {
    return this.session?.token;
  }

  async login(username: string, password: string): Promise<Session> {
    const r = await this.call<{ token: string; expiresIn: number; role: Session['role']; clearance: number }>('POST', '/api/auth/login', { username, password }, false);
    return { token: r.token, username, role: r.role, clearance: r.clearance, expiresAt: Date.now() + r.expiresIn * 1000 };
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  /** A raw authorised request (the event stream reads the body itself). */
  async raw(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.session) headers.set('authorization', `Bearer ${this.session.token}`);
    const res = await this.fetchImpl(this.base + path, { ...init, headers });
    if (res.status === 401) this.opts.onUnauthorized();
    return res;
  }

  private async call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.session) headers['authorization'] = `Bearer ${this.session.token}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new ApiRequestError(0, 'NETWORK', `the server cannot be reached (${(err as Error).message})`);
    }
    if (res.status === 401 && auth) this.opts.onUnauthorized();
    const text = await res.text();
    const json: unknown = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const e = (json ?? {}) as { code?: string; message?: string; field?: string };
      throw new ApiRequestError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? (text || res.statusText), e.field);
    }
    return json as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
