/**
 * Block-wise transfer as a server (RFC 7959). Block1: reassembles a request body keyed by peer +
 * method + URI (+ Request-Tag, RFC 9175), never by token (libcoap changes the token on every
 * block), within `maxBodySize` per body and `maxBlock1Bytes` over all (oldest transfers evicted
 * first). Block2: cuts a large response into blocks and serves the later blocks from a cached
 * representation keyed by peer + method + URI + Accept.
 */
import { CoapOption, getUintOption, uintOption, type CoapMessage, type CoapOptionValue } from './CoapMessage.js';
import { blockSize, encodeBlock, type BlockOption } from './BlockOption.js';
import { C, EMPTY, concat, type EndpointContext } from './EndpointContext.js';

interface Block1State {
  at: number;
  readonly parts: Uint8Array[];
  received: number;
}

/** A response whose later Block2 blocks are still to be asked for. */
export interface Block2Entry {
  at: number;
  readonly code: number;
  readonly options: CoapOptionValue[];
  readonly payload: Uint8Array;
}

/** What to do with one Block1 block: answer it now, or hand the whole body to the handler. */
export type Block1Outcome =
  | { readonly complete: false; readonly code: number; readonly options: CoapOptionValue[] }
  | { readonly complete: true; readonly payload: Uint8Array; readonly extra: CoapOptionValue[] };

/** One block of a response (or the whole of a small one). */
export interface CutBlock {
  readonly code: number;
  readonly options: CoapOptionValue[];
  readonly payload: Uint8Array;
}

export class BlockwiseServer {
  private readonly block1 = new Map<string, Block1State>();
  /** Bytes held by all Block1 reassemblies (bounded by `maxBlock1Bytes`). */
  private block1Bytes = 0;
  private readonly block2 = new Map<string, Block2Entry>();

  constructor(private readonly ctx: EndpointContext) {}

  get block1Transfers(): number {
    return this.block1.size;
  }

  get bytes(): number {
    return this.block1Bytes;
  }

  /** Takes one Block1 block of the request `m` (reassembly key `key1`). */
  reassemble(key1: string, m: CoapMessage, b1: BlockOption): Block1Outcome {
    const { maxBodySize, maxBlockTransfers, maxBlock1Bytes } = this.ctx.settings;
    const tooLarge: Block1Outcome = { complete: false, code: C.RequestEntityTooLarge, options: [uintOption(CoapOption.Size1, maxBodySize)] };
    const size = blockSize(b1.szx);
    const size1 = getUintOption(m, CoapOption.Size1);
    if (size1 !== undefined && size1 > maxBodySize) {
      this.drop(key1);
      return tooLarge;
    }
    let payload = m.payload;
    let st = this.block1.get(key1);
    if (b1.num === 0) {
      if (!b1.more) st = undefined;
      else {
        this.drop(key1);
        while (this.block1.size >= maxBlockTransfers) {
          const oldest = this.block1.keys().next();
          if (oldest.done) break;
          this.drop(oldest.value);
        }
        st = { at: this.ctx.clock.now(), parts: [], received: 0 };
        this.block1.set(key1, st);
      }
    } else if (!st || st.received !== b1.num * size) {
      this.drop(key1);
      return { complete: false, code: C.RequestEntityIncomplete, options: [] };
    }
    if (b1.more && m.payload.length !== size) {
      this.drop(key1);
      return { complete: false, code: C.BadRequest, options: [] };
    }
    if (st) {
      // Stay within the global reassembly budget: evict the oldest other transfers first.
      for (const [key, other] of this.block1) {
        if (this.block1Bytes + m.payload.length <= maxBlock1Bytes) break;
        if (other !== st) this.drop(key);
      }
      if (this.block1Bytes + m.payload.length > maxBlock1Bytes) {
        this.drop(key1);
        return tooLarge;
      }
      // keep insertion order == age order for the sweep
      this.drop(key1);
      st.parts.push(m.payload);
      st.received += m.payload.length;
      st.at = this.ctx.clock.now();
      this.block1.set(key1, st);
      this.block1Bytes += st.received;
      if (st.received > maxBodySize) {
        this.drop(key1);
        return tooLarge;
      }
      if (b1.more) {
        return { complete: false, code: C.Continue, options: [{ number: CoapOption.Block1, value: encodeBlock({ num: b1.num, more: true, szx: b1.szx }) }] };
      }
      this.drop(key1);
      payload = concat(st.parts, st.received);
    }
    return { complete: true, payload, extra: [{ number: CoapOption.Block1, value: encodeBlock({ num: b1.num, more: false, szx: b1.szx }) }] };
  }

  /** The cached representation a Block2 continuation (num > 0) asks for. */
  cached(key2: string): Block2Entry | undefined {
    return this.block2.get(key2);
  }

  /**
   * The requested (or first) Block2 block of a response, remembering the representation while
   * blocks remain; the whole payload when it fits and no block was asked for; 4.02 past the end.
   */
  cutBlock(key2: string, code: number, options: CoapOptionValue[], payload: Uint8Array, b2: BlockOption | undefined): CutBlock {
    const szx = b2 ? Math.min(b2.szx, this.ctx.settings.szx) : this.ctx.settings.szx;
    const size = blockSize(szx);
    if (!b2 && payload.length <= size) return { code, options: [], payload };
    const offset = b2 ? b2.num * blockSize(b2.szx) : 0;
    if (offset > 0 && offset >= payload.length) return { code: C.BadOption, options: [], payload: EMPTY };
    const more = offset + size < payload.length;
    const out: CoapOptionValue[] = [{ number: CoapOption.Block2, value: encodeBlock({ num: offset / size, more, szx }) }];
    if (offset === 0) out.push(uintOption(CoapOption.Size2, payload.length));
    if (more) {
      this.block2.delete(key2);
      while (this.block2.size >= this.ctx.settings.maxBlockTransfers) {
        const oldest = this.block2.keys().next();
        if (oldest.done) break;
        this.block2.delete(oldest.value);
      }
      this.block2.set(key2, {
        at: this.ctx.clock.now(),
        code,
        options: options.filter((o) => o.number !== CoapOption.Observe),
        payload,
      });
    } else {
      this.block2.delete(key2);
    }
    return { code, options: out, payload: payload.subarray(offset, offset + size) };
  }

  /** Frees transfers idle for EXCHANGE_LIFETIME (both maps are kept in age order). */
  sweep(now: number): void {
    const lifetime = this.ctx.settings.exchangeLifetimeMs;
    for (const [key, b] of this.block1) {
      if (b.at + lifetime > now) break;
      this.drop(key);
    }
    for (const [key, b] of this.block2) {
      if (b.at + lifetime > now) break;
      this.block2.delete(key);
    }
  }

  dropPeer(pk: string): void {
    const prefix = `${pk}#`;
    for (const key of this.block1.keys()) if (key.startsWith(prefix)) this.drop(key);
    for (const key of this.block2.keys()) if (key.startsWith(prefix)) this.block2.delete(key);
  }

  clear(): void {
    this.block1.clear();
    this.block1Bytes = 0;
    this.block2.clear();
  }

  private drop(key: string): void {
    const st = this.block1.get(key);
    if (!st) return;
    this.block1Bytes -= st.received;
    this.block1.delete(key);
  }
}
