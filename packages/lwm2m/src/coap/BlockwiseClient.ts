/**
 * Block-wise transfer as a client (RFC 7959): sends a request body larger than the block size in
 * Block1 blocks (following the server's 2.31 size changes, a 4.13 with a smaller size, and
 * restarting once on 4.08), and fetches the rest of a Block2 response until the whole
 * representation is here (bounded by `maxBodySize`).
 */
import type { PeerAddress } from '../transport/DatagramTransport.js';
import { CoapError, CoapErrorCode } from './CoapError.js';
import {
  CoapOption,
  codeClass,
  codeToString,
  decodeText,
  getOption,
  getOptions,
  getUintOption,
  textOption,
  uintOption,
  type CoapMessage,
  type CoapOptionValue,
} from './CoapMessage.js';
import { blockSize, decodeBlock, encodeBlock, type BlockOption } from './BlockOption.js';
import { C, EMPTY, METHOD_CODES, concat, type EndpointContext } from './EndpointContext.js';
import type { Exchange } from './ExchangeMatcher.js';
import type { ClientRequest, ClientResponse } from './types.js';

/** The Uri-Path segments and Uri-Query values of a request (a `?a=b&c` suffix of a string path is query). */
export function splitPath(req: ClientRequest): { path: string[]; query: string[] } {
  if (Array.isArray(req.path)) return { path: [...req.path], query: [...(req.query ?? [])] };
  const query: string[] = [];
  let p: string = req.path;
  const q = p.indexOf('?');
  if (q >= 0) {
    for (const part of p.slice(q + 1).split('&')) if (part !== '') query.push(part);
    p = p.slice(0, q);
  }
  query.push(...(req.query ?? []));
  return { path: p.split('/').filter((s) => s !== ''), query };
}

export function requestOptions(path: string[], query: string[], req: ClientRequest): CoapOptionValue[] {
  const options: CoapOptionValue[] = [];
  for (const seg of path) options.push(textOption(CoapOption.UriPath, seg));
  if (req.contentFormat !== undefined) options.push(uintOption(CoapOption.ContentFormat, req.contentFormat));
  for (const q of query) options.push(textOption(CoapOption.UriQuery, q));
  if (req.accept !== undefined) options.push(uintOption(CoapOption.Accept, req.accept));
  for (const o of options) {
    if (o.value.length > 255) throw new CoapError(CoapErrorCode.BadRequest, 'Uri-Path segment or Uri-Query value longer than 255 bytes');
  }
  return options;
}

export function toClientResponse(m: CoapMessage, payload: Uint8Array, code = m.code): ClientResponse {
  const contentFormat = getUintOption(m, CoapOption.ContentFormat);
  const observe = getUintOption(m, CoapOption.Observe);
  return {
    code: codeToString(code),
    payload,
    locationPath: getOptions(m, CoapOption.LocationPath).map(decodeText),
    ...(contentFormat !== undefined ? { contentFormat } : {}),
    ...(observe !== undefined ? { observe } : {}),
  };
}

function blockOf(m: CoapMessage, option: number): BlockOption | undefined {
  const v = getOption(m, option);
  return v === undefined ? undefined : decodeBlock(v);
}

export class BlockwiseClient {
  constructor(
    private readonly ctx: EndpointContext,
    private readonly exchange: Exchange,
  ) {}

  /** Sends the request body, block-wise (Block1) when it exceeds the block size; resolves with the (first block of the) response. */
  async sendBody(peer: PeerAddress, pk: string, req: ClientRequest, path: string[], query: string[], token: Uint8Array, deadline: number): Promise<CoapMessage> {
    const payload = req.payload ?? EMPTY;
    const type = req.confirmable === false ? 'NON' : 'CON';
    const code = METHOD_CODES[req.method];
    if (code === undefined) throw new CoapError(CoapErrorCode.BadRequest, `unknown method ${String(req.method)}`);
    let szx = this.ctx.settings.szx;
    if (payload.length <= blockSize(szx)) {
      const r = await this.exchange(peer, pk, { type, code, token, options: requestOptions(path, query, req), payload }, deadline);
      const b1 = blockOf(r, CoapOption.Block1);
      // 4.13 with a Block1 option: the server wants the body block-wise, in that size (RFC 7959 §2.9.3).
      if (r.code !== C.RequestEntityTooLarge || !b1 || blockSize(b1.szx) >= payload.length) return r;
      szx = b1.szx;
    }
    let offset = 0;
    let restarted = false;
    for (;;) {
      const size = blockSize(szx);
      const more = offset + size < payload.length;
      const options = requestOptions(path, query, req);
      options.push({ number: CoapOption.Block1, value: encodeBlock({ num: offset / size, more, szx }) });
      if (offset === 0) options.push(uintOption(CoapOption.Size1, payload.length));
      const r = await this.exchange(peer, pk, { type, code, token, options, payload: payload.subarray(offset, offset + size) }, deadline);
      const b1 = blockOf(r, CoapOption.Block1);
      if (r.code === C.Continue) {
        if (!more) throw new CoapError(CoapErrorCode.BadMessage, '2.31 Continue to the last block');
        if (b1 && b1.szx < szx) szx = b1.szx; // the server asks for smaller blocks from now on
        offset += size;
        continue;
      }
      if (r.code === C.RequestEntityTooLarge && offset === 0 && b1 && b1.szx < szx) {
        szx = b1.szx;
        continue;
      }
      if (r.code === C.RequestEntityIncomplete && offset > 0 && !restarted) {
        // The server lost the transfer's state (RFC 7959 §2.9.2): start over, once.
        restarted = true;
        offset = 0;
        continue;
      }
      return r;
    }
  }

  /** Follows Block2 from `first` until the whole representation is here. */
  async collectBlock2(
    peer: PeerAddress,
    pk: string,
    req: ClientRequest,
    path: string[],
    query: string[],
    token: Uint8Array,
    first: CoapMessage,
    deadline: number,
  ): Promise<ClientResponse> {
    const b2 = blockOf(first, CoapOption.Block2);
    if (!b2 || !b2.more) return toClientResponse(first, first.payload);
    if (b2.num !== 0) throw new CoapError(CoapErrorCode.BadMessage, 'first Block2 block is not block 0');
    const parts = [first.payload];
    let total = first.payload.length;
    let szx = b2.szx;
    const code = METHOD_CODES[req.method];
    const withPayload = req.method === 'FETCH';
    for (;;) {
      const size = blockSize(szx);
      if (total % size !== 0) throw new CoapError(CoapErrorCode.BlockFailed, 'Block2 block not of the announced size');
      const options = requestOptions(path, query, req);
      options.push({ number: CoapOption.Block2, value: encodeBlock({ num: total / size, more: false, szx }) });
      const r = await this.exchange(
        peer,
        pk,
        { type: req.confirmable === false ? 'NON' : 'CON', code, token, options, payload: withPayload ? (req.payload ?? EMPTY) : EMPTY },
        deadline,
      );
      if (codeClass(r.code) !== 2) return toClientResponse(r, r.payload);
      const rb = blockOf(r, CoapOption.Block2);
      if (!rb || rb.num * blockSize(rb.szx) !== total) {
        throw new CoapError(CoapErrorCode.BlockFailed, 'unexpected Block2 block', { details: { expectedOffset: total } });
      }
      parts.push(r.payload);
      total += r.payload.length;
      if (total > this.ctx.settings.maxBodySize) throw new CoapError(CoapErrorCode.BlockFailed, 'response exceeds maxBodySize');
      if (!rb.more) return toClientResponse(first, concat(parts, total), r.code);
      szx = rb.szx;
    }
  }
}
