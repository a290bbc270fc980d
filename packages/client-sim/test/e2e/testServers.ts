/**
 * Tiny test peers built from our DtlsServer + CoapEndpoint: a bootstrap driver that runs a scripted
 * bootstrap after `POST /bs`, and a registration responder. (The real servers live elsewhere.)
 */
import { DtlsServer } from '@chainm2m/dtls';
import { CoapEndpoint, type ClientRequest, type ClientResponse, type CoapRequest, type PeerAddress } from '@chainm2m/lwm2m';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export interface TestServer {
  readonly port: number;
  readonly coap: CoapEndpoint;
  readonly dtls: DtlsServer;
  close(): Promise<void>;
}

async function listen(keys: Record<string, Uint8Array>, handler: (req: CoapRequest) => Promise<{ code: string; locationPath?: string[] }>): Promise<TestServer> {
  const dtls = await DtlsServer.listen({ host: '127.0.0.1', port: 0, pskResolver: async (identity) => keys[identity] });
  const coap = new CoapEndpoint({ transport: dtls, handler: async (req) => handler(req) });
  return {
    port: dtls.address().port,
    coap,
    dtls,
    close: async () => {
      await coap.close();
      await dtls.close().catch(() => undefined);
    },
  };
}

export interface BootstrapScriptResult {
  readonly requests: CoapRequest[];
  readonly responses: Array<{ step: string; code: string }>;
  readonly done: Promise<void>;
}

/** A bootstrap driver: answers `POST /bs` with 2.04 and then sends `script(peer)` requests in order. */
export async function bootstrapDriver(
  keys: Record<string, Uint8Array>,
  script: (ep: string) => Array<{ step: string; req: ClientRequest }>,
): Promise<TestServer & { result: BootstrapScriptResult }> {
  const requests: CoapRequest[] = [];
  const responses: Array<{ step: string; code: string }> = [];
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  done.catch(() => undefined);
  const holder: { server?: TestServer } = {};
  const run = async (peer: PeerAddress, ep: string): Promise<void> => {
    for (const { step, req } of script(ep)) {
      const res: ClientResponse = await (holder.server as TestServer).coap.request(peer, { timeoutMs: 10_000, ...req });
      responses.push({ step, code: res.code });
    }
  };
  const server = await listen(keys, async (req) => {
    requests.push(req);
    if (req.method === 'POST' && req.path.join('/') === 'bs') {
      const ep = req.query.find((q) => q.startsWith('ep='))?.slice(3) ?? '';
      setImmediate(() => void run(req.peer, ep).then(resolveDone, rejectDone));
      return { code: '2.04' };
    }
    return { code: '4.04' };
  });
  holder.server = server;
  return { ...server, result: { requests, responses, done } };
}

export interface Registrar extends TestServer {
  readonly requests: CoapRequest[];
  /** The device's address on the session, once registered. */
  devicePeer(): PeerAddress | undefined;
}

/** A registration responder: `POST /rd` -> 2.01 `/rd/r<n>`, Update -> 2.04, De-register -> 2.02. */
export async function registrar(keys: Record<string, Uint8Array>): Promise<Registrar> {
  const requests: CoapRequest[] = [];
  let n = 0;
  let peer: PeerAddress | undefined;
  const live = new Set<string>();
  const server = await listen(keys, async (req) => {
    requests.push(req);
    const p = req.path.join('/');
    if (req.method === 'POST' && p === 'rd') {
      peer = req.peer;
      const id = `r${++n}`;
      live.add(id);
      return { code: '2.01', locationPath: ['rd', id] };
    }
    const id = req.path[1] ?? '';
    if (req.path[0] === 'rd' && req.path.length === 2 && live.has(id)) {
      if (req.method === 'POST') return { code: '2.04' };
      if (req.method === 'DELETE') {
        live.delete(id);
        return { code: '2.02' };
      }
    }
    return { code: '4.04' };
  });
  return { ...server, requests, devicePeer: () => peer };
}
