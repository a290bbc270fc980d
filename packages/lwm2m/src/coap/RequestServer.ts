/**
 * The server side of a CoAP endpoint: takes a (deduplicated) request, checks its options, runs it
 * through block-wise reassembly and Block2 continuation ({@link BlockwiseServer}) and observe
 * registration ({@link ObserveServer}), calls the handler, and sends its response piggybacked on
 * the ACK, separately after an empty ACK when the handler is slow, or as NON.
 */
import type { PeerAddress, PeerSecurity } from '../transport/DatagramTransport.js';
import type { TimerHandle } from '../time/Clock.js';
import {
  CoapOption,
  codeClass,
  decodeText,
  emptyMessage,
  encodeMessage,
  getOption,
  getOptions,
  getUintOption,
  tokenHex,
  uintOption,
  type CoapMessage,
  type CoapOptionValue,
  type CoapType,
} from './CoapMessage.js';
import { decodeBlock, type BlockOption } from './BlockOption.js';
import { C, EMPTY, METHODS_BY_CODE, responseCode, responseOptions, type EndpointContext } from './EndpointContext.js';
import type { DedupEntry, MessageLayer } from './MessageLayer.js';
import type { BlockwiseServer } from './BlockwiseServer.js';
import type { ObserveServer, ServerObservation } from './ObserveServer.js';
import type { CoapHandlerContext, CoapRequest, CoapRequestHandler, CoapResponse } from './types.js';

/** Critical options a request may carry. Others that are critical are answered 4.02. */
const KNOWN_CRITICAL_REQUEST = new Set<number>([
  CoapOption.UriHost,
  CoapOption.UriPort,
  CoapOption.UriPath,
  CoapOption.UriQuery,
  CoapOption.Accept,
  CoapOption.Block2,
  CoapOption.Block1,
]);

/** One request being answered. */
interface ReplyState {
  readonly request: CoapMessage;
  readonly peer: PeerAddress;
  readonly pk: string;
  readonly entry: DedupEntry | undefined;
  emptyAckSent: boolean;
  replied: boolean;
}

export class RequestServer {
  handler: CoapRequestHandler | undefined;

  constructor(
    private readonly ctx: EndpointContext,
    private readonly messages: MessageLayer,
    private readonly blocks: BlockwiseServer,
    private readonly observations: ObserveServer,
    handler: CoapRequestHandler | undefined,
  ) {
    this.handler = handler;
  }

  /** A CON or NON request from `peer`. */
  onRequest(m: CoapMessage, peer: PeerAddress, security: PeerSecurity, pk: string): void {
    const entry = this.messages.receiveOnce(pk, peer, m);
    if (!entry) return;
    this.ctx.counters.requestsReceived++;
    const state: ReplyState = { request: m, peer, pk, entry, emptyAckSent: false, replied: false };
    this.serve(state, security).catch(() => {
      this.ctx.counters.handlerErrors++;
      try {
        this.reply(state, C.InternalServerError, [], EMPTY);
      } catch {
        // nothing more we can do for this request
      }
    });
  }

  private async serve(state: ReplyState, security: PeerSecurity): Promise<void> {
    const m = state.request;
    const pk = state.pk;
    const method = METHODS_BY_CODE[m.code];
    if (method === undefined) {
      this.reply(state, C.MethodNotAllowed, [], EMPTY);
      return;
    }
    for (const o of m.options) {
      if (o.number === CoapOption.ProxyUri || o.number === CoapOption.ProxyScheme) {
        this.reply(state, C.ProxyingNotSupported, [], EMPTY);
        return;
      }
      if (o.number % 2 === 1 && !KNOWN_CRITICAL_REQUEST.has(o.number)) {
        this.reply(state, C.BadOption, [], EMPTY);
        return;
      }
    }
    const path = getOptions(m, CoapOption.UriPath).map(decodeText);
    const query = getOptions(m, CoapOption.UriQuery).map(decodeText);
    const contentFormat = getUintOption(m, CoapOption.ContentFormat);
    const accept = getUintOption(m, CoapOption.Accept);
    const observe = getUintOption(m, CoapOption.Observe);
    const b1v = getOption(m, CoapOption.Block1);
    const b2v = getOption(m, CoapOption.Block2);
    const b1 = b1v === undefined ? undefined : decodeBlock(b1v);
    const b2 = b2v === undefined ? undefined : decodeBlock(b2v);
    if ((b1v !== undefined && !b1) || (b2v !== undefined && !b2)) {
      this.reply(state, C.BadRequest, [], EMPTY);
      return;
    }
    const uri = `${path.join('/')}?${query.join('&')}`;
    const requestTag = getOptions(m, CoapOption.RequestTag).map(tokenHex).join(',');
    const key1 = `${pk}#${method}|${uri}|${requestTag}`;
    const key2 = `${pk}#${method}|${uri}|${accept ?? ''}`;

    // Block1: reassemble by peer + method + URI; the token may change on every block.
    let payload = m.payload;
    const extra: CoapOptionValue[] = [];
    if (b1) {
      const r = this.blocks.reassemble(key1, m, b1);
      if (!r.complete) {
        this.reply(state, r.code, r.options, EMPTY);
        return;
      }
      payload = r.payload;
      extra.push(...r.extra);
    }

    // Block2 continuation: serve from the cached representation.
    if (b2 && b2.num > 0) {
      const cached = this.blocks.cached(key2);
      if (cached) {
        this.replyBlock(state, key2, cached.code, cached.options, cached.payload, b2, extra);
        return;
      }
      if (method !== 'GET' && method !== 'FETCH') {
        this.reply(state, C.RequestEntityIncomplete, [], EMPTY);
        return;
      }
    }

    const tkey = `${pk}#${tokenHex(m.token)}`;
    let reg: ServerObservation | undefined;
    if ((method === 'GET' || method === 'FETCH') && !(b2 && b2.num > 0)) {
      const existing = this.observations.get(tkey);
      if (observe === 0) reg = this.observations.register(state.peer, pk, tkey, m.token, path, query, method, accept);
      else if (existing) existing.end('deregistered');
    }

    const req: CoapRequest = {
      method,
      path,
      query,
      payload,
      token: m.token,
      confirmable: m.type === 'CON',
      peer: state.peer,
      security,
      ...(contentFormat !== undefined ? { contentFormat } : {}),
      ...(accept !== undefined ? { accept } : {}),
      ...(observe !== undefined ? { observe } : {}),
    };
    const ctx: CoapHandlerContext = reg ? { observe: reg } : ({} as CoapHandlerContext);
    const resp = await this.callHandler(state, req, ctx);
    const code = responseCode(resp);
    const options = responseOptions(resp);
    if (reg && reg.accepted && codeClass(code) === 2 && !this.ctx.closed && !state.entry?.forgotten) {
      this.observations.establish(reg);
      options.push(uintOption(CoapOption.Observe, reg.seq));
      reg.onSeparateReset = state;
    }
    this.replyBlock(state, key2, code, options, resp.payload ?? EMPTY, b2, extra);
  }

  /** Runs the handler; a CON gets an empty ACK when it takes longer than `separateAfterMs`. */
  private async callHandler(state: ReplyState, req: CoapRequest, ctx: CoapHandlerContext): Promise<CoapResponse> {
    const handler = this.handler;
    if (!handler) return { code: '4.04' };
    const m = state.request;
    let timer: TimerHandle | undefined;
    if (m.type === 'CON') {
      timer = this.ctx.clock.setTimer(this.ctx.settings.separateAfterMs, () => {
        if (state.replied || state.emptyAckSent || state.entry?.forgotten || this.ctx.closed) return;
        state.emptyAckSent = true;
        this.ctx.counters.separateResponses++;
        const ack = encodeMessage(emptyMessage('ACK', m.messageId));
        if (state.entry) state.entry.reply = ack.slice();
        this.messages.sendQuiet(state.peer, ack);
      });
    }
    try {
      return await handler(req, ctx);
    } catch {
      this.ctx.counters.handlerErrors++;
      return { code: '5.00' };
    } finally {
      timer?.cancel();
    }
  }

  /** Replies with the whole payload or the requested/first Block2 block of it. */
  private replyBlock(
    state: ReplyState,
    key2: string,
    code: number,
    options: CoapOptionValue[],
    payload: Uint8Array,
    b2: BlockOption | undefined,
    extra: CoapOptionValue[],
  ): void {
    const cut = this.blocks.cutBlock(key2, code, options, payload, b2);
    this.reply(state, cut.code, [...options, ...extra, ...cut.options], cut.payload);
  }

  /** Sends the response to a request: piggybacked, separate (after an empty ACK), or NON. */
  private reply(state: ReplyState, code: number, options: CoapOptionValue[], payload: Uint8Array): void {
    if (state.replied || this.ctx.closed || state.entry?.forgotten) return;
    state.replied = true;
    const m = state.request;
    let type: CoapType;
    let mid: number;
    if (m.type === 'CON' && !state.emptyAckSent) {
      type = 'ACK';
      mid = m.messageId;
    } else {
      type = m.type === 'CON' ? 'CON' : 'NON';
      mid = this.messages.newMid();
    }
    const msg: CoapMessage = { type, code, messageId: mid, token: m.token, options, payload };
    if (type === 'CON') {
      const obs = this.observations.get(`${state.pk}#${tokenHex(m.token)}`);
      this.messages.transmitCon(
        state.peer,
        state.pk,
        msg,
        () => undefined,
        (reason) => {
          if (reason === 'reset' && obs && obs.onSeparateReset === state) obs.end('reset');
        },
      );
      return;
    }
    const bytes = encodeMessage(msg);
    if (type === 'ACK' && state.entry) state.entry.reply = bytes.slice();
    this.messages.sendQuiet(state.peer, bytes);
  }
}
