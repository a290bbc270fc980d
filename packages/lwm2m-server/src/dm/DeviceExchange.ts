/**
 * One LwM2M exchange with a registered device, through the operation vocabulary of
 * `@chainm2m/lwm2m`: the typed request becomes CoAP with `toCoapRequest`, goes through the
 * queue-mode gate and the device's transport, and the answer is parsed with `fromCoapResponse`.
 * Transport failures and CoAP error answers become `Lwm2mServerError`s (`DEVICE_ERROR` carries the
 * CoAP code and the device's diagnostic text).
 */
import {
  Lwm2mError,
  decodeNodes,
  fromCoapResponse,
  toCoapRequest,
  type DownlinkRequest,
  type Lwm2mCoapResponse,
  type Lwm2mResponseFor,
  type ObjectRegistry,
  type Registration,
} from '@chainm2m/lwm2m';
import { isSuccess, type CoapClientPort, type CoapObservationHandle, type DeviceCoapRequest, type DeviceCoapResponse } from '../coap/CoapPorts.js';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import type { DeviceContent } from './DeviceContent.js';
import type { QueueModeGate } from './QueueModeGate.js';
import type { DeviceProvenance } from '../provenance/DeviceProvenance.js';

export interface DeviceExchangeOptions {
  readonly gate: QueueModeGate;
  readonly transportFor: (registration: Registration) => CoapClientPort | undefined;
  readonly objects: ObjectRegistry;
  /** Records every exchange (and may refuse one by throwing); none without. */
  readonly provenance?: DeviceProvenance | undefined;
}

export interface Exchanged<R extends DownlinkRequest> {
  /** The parsed answer (a success: error answers are thrown). */
  readonly result: Lwm2mResponseFor<R>;
  readonly response: DeviceCoapResponse;
}

/** Printable text of a diagnostic payload (RFC 7252 §5.5.2), bounded; `undefined` when empty. */
function diagnosticText(payload: Uint8Array | undefined): string | undefined {
  if (!payload || payload.length === 0) return undefined;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(payload.subarray(0, 200)).replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return text.length > 0 ? text : undefined;
}

export class DeviceExchange {
  constructor(private readonly opts: DeviceExchangeOptions) {}

  /** The CoAP request of `req` for this registration (root path prefixed, deadline set). */
  coapRequest(reg: Registration, req: DownlinkRequest, timeoutMs: number, where: string): DeviceCoapRequest {
    let coap;
    try {
      coap = toCoapRequest(req);
    } catch (cause) {
      throw new Lwm2mServerError('SRV_INVALID_REQUEST', `request cannot be encoded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, details: { endpoint: reg.endpoint, path: where } });
    }
    const root = reg.rootPath === '/' ? [] : reg.rootPath.split('/').filter((s) => s.length > 0);
    return {
      method: coap.method,
      path: [...root, ...coap.path],
      ...(coap.query.length > 0 ? { query: coap.query } : {}),
      ...(coap.contentFormat !== undefined ? { contentFormat: coap.contentFormat } : {}),
      ...(coap.accept !== undefined ? { accept: coap.accept } : {}),
      ...(coap.payload !== undefined ? { payload: coap.payload } : {}),
      timeoutMs,
    };
  }

  /** Runs `req`; a non-2.xx answer throws DEVICE_ERROR, an undecodable one BAD_RESPONSE. */
  async run<R extends DownlinkRequest>(reg: Registration, req: R, timeoutMs: number, where: string): Promise<Exchanged<R>> {
    const coap = this.coapRequest(reg, req, timeoutMs, where);
    const response = await this.recorded(reg, coap, where, undefined, () =>
      this.opts.gate.run(reg.endpoint, reg.queueMode, async () => {
        try {
          return await this.port(reg).request(this.peer(reg), coap);
        } catch (err) {
          throw this.mapError(err, reg.endpoint, where);
        }
      }),
    );
    return { result: this.parse(reg, req, response, where), response };
  }

  /** Runs `exchange` between the provenance hook's two calls (before: may refuse; after: the outcome). */
  private async recorded<T extends DeviceCoapResponse | CoapObservationHandle>(reg: Registration, coap: DeviceCoapRequest, where: string, observationId: string | undefined, exchange: () => Promise<T>): Promise<T> {
    const done = await this.opts.provenance?.exchange({ endpoint: reg.endpoint, method: coap.method, path: where, accept: coap.accept, contentFormat: coap.contentFormat, payload: coap.payload, observationId });
    let out: T;
    try {
      out = await exchange();
    } catch (err) {
      await done?.({ error: err });
      throw err;
    }
    await done?.('response' in out ? out.response : out);
    return out;
  }

  /** Starts an observation; the caller checks `handle.response`. */
  async observe(reg: Registration, req: DownlinkRequest, timeoutMs: number, where: string, onNotify: (r: DeviceCoapResponse) => void, observationId?: string): Promise<CoapObservationHandle> {
    const coap = this.coapRequest(reg, req, timeoutMs, where);
    return this.recorded(reg, coap, where, observationId, () =>
      this.opts.gate.run(reg.endpoint, reg.queueMode, async () => {
        try {
          return await this.port(reg).observe(this.peer(reg), coap, onNotify);
        } catch (err) {
          throw this.mapError(err, reg.endpoint, where);
        }
      }),
    );
  }

  /** Parses an answer to `req`; error answers throw DEVICE_ERROR. */
  parse<R extends DownlinkRequest>(reg: Registration, req: R, response: DeviceCoapResponse, where: string): Lwm2mResponseFor<R> {
    if (!isSuccess(response.code)) throw this.deviceError(response.code, response.payload, reg.endpoint, where);
    const result = fromCoapResponse(req, this.lwm2mResponse(response), { model: this.opts.objects });
    if (!result.ok && req.kind !== 'read' && req.kind !== 'observe' && req.kind !== 'read-composite' && req.kind !== 'observe-composite') {
      throw new Lwm2mServerError('SRV_BAD_DEVICE_RESPONSE', 'device sent an answer that cannot be decoded', { cause: result.error, details: { endpoint: reg.endpoint, path: where } });
    }
    return result;
  }

  /**
   * Content of a read, notification or composite answer: the raw bytes, and the nodes when they
   * decode (the reason when they do not). A composite answer that lacks some asked-for paths is
   * decoded per resource.
   */
  content(req: DownlinkRequest, response: DeviceCoapResponse): DeviceContent {
    const base = { payload: response.payload, ...(response.contentFormat !== undefined ? { contentFormat: response.contentFormat } : {}) };
    if (response.payload.length === 0) return base;
    const result = fromCoapResponse(req, this.lwm2mResponse(response), { model: this.opts.objects });
    if (result.ok && 'node' in result) return { ...base, node: result.node };
    if (result.ok && 'nodes' in result) return { ...base, nodes: result.nodes.map((n) => ({ path: n.path.toString(), node: n.node })) };
    if ((req.kind === 'read-composite' || req.kind === 'observe-composite') && response.contentFormat !== undefined) {
      try {
        const nodes = decodeNodes(response.payload, response.contentFormat, { model: this.opts.objects });
        return { ...base, nodes: nodes.map((n) => ({ path: n.path.toString(), node: n.node })) };
      } catch {
        // fall through to the first reason
      }
    }
    const reason = !result.ok ? result.error?.message : undefined;
    return { ...base, decodeError: reason ?? 'no content' };
  }

  deviceError(code: string, payload: Uint8Array | undefined, endpoint: string, path: string): Lwm2mServerError {
    const diagnostic = diagnosticText(payload);
    return new Lwm2mServerError('SRV_DEVICE_ERROR', diagnostic ? `device answered ${code}: ${diagnostic}` : `device answered ${code}`, {
      details: { coapCode: code, endpoint, path, ...(diagnostic ? { diagnostic } : {}) },
    });
  }

  mapError(err: unknown, endpoint: string, path: string): Lwm2mServerError {
    if (err instanceof Lwm2mServerError) return err;
    const details = { endpoint, path };
    if (err instanceof Lwm2mError) {
      switch (err.code) {
        case 'COAP_TIMEOUT':
          return new Lwm2mServerError('SRV_DEVICE_TIMEOUT', 'device did not answer in time', { cause: err, details });
        case 'COAP_CLOSED':
          return new Lwm2mServerError('SRV_CLOSED', 'server is closing', { cause: err, details });
        case 'COAP_BAD_REQUEST':
          return new Lwm2mServerError('SRV_INVALID_REQUEST', 'request cannot be encoded', { cause: err, details });
        case 'COAP_BAD_MESSAGE':
        case 'COAP_BLOCK_FAILED':
          return new Lwm2mServerError('SRV_BAD_DEVICE_RESPONSE', 'device sent an invalid answer', { cause: err, details });
        case 'COAP_PEER_FORGOTTEN':
          return new Lwm2mServerError('SRV_DEVICE_NOT_REGISTERED', 'device was revoked or de-registered', { cause: err, details });
        default:
          return new Lwm2mServerError('SRV_DEVICE_UNREACHABLE', 'device unreachable', { cause: err, details: { ...details, reason: err.code } });
      }
    }
    return new Lwm2mServerError('SRV_DEVICE_UNREACHABLE', 'device unreachable', { cause: err, details });
  }

  private lwm2mResponse(r: DeviceCoapResponse): Lwm2mCoapResponse {
    return {
      code: r.code,
      payload: r.payload,
      locationPath: r.locationPath,
      ...(r.contentFormat !== undefined ? { contentFormat: r.contentFormat } : {}),
      ...(r.observe !== undefined ? { observe: r.observe } : {}),
    };
  }

  private peer(reg: Registration): { address: string; port: number } {
    return { address: reg.address.address, port: reg.address.port };
  }

  private port(reg: Registration): CoapClientPort {
    const port = this.opts.transportFor(reg);
    if (!port) throw new Lwm2mServerError('SRV_DEVICE_UNREACHABLE', 'no transport for this registration', { details: { endpoint: reg.endpoint } });
    return port;
  }
}
