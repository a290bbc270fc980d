/**
 * The provenance `AnchorLedger` over the chain: one `AuditAnchor.anchorRoot` transaction per batch
 * through the connection's transaction path (nonce queue, receipts, decoded reverts). Idempotent:
 * a root already on chain (a retry after a lost receipt, a restart after kill -9) resolves with
 * the transaction that anchored it, found by its `RootAnchored` event. While the chain is out the
 * call rejects and the batcher retries the same batch, so batches land in order.
 *
 * `chainAnchorReader` is the read side for receipt verification: one `eth_call` of
 * `AuditAnchor.checkRoot` against any node (the CLI's `verify`, with the server stopped).
 */
import { Interface, getAddress, type InterfaceAbi } from 'ethers';
import { loadArtifact } from '@chainm2m/contracts';
import type { AnchorBatch, AnchorCheck, AnchorLedger, AnchorPlacement, AnchorReader } from '@chainm2m/provenance';
import { ChainAdapterError, isChainAdapterError } from '../ChainAdapterError.js';
import type { ChainConnection } from '../chain/ChainConnection.js';
import { JsonRpc } from '../chain/JsonRpc.js';

const ZERO32 = `0x${'0'.repeat(64)}`;

export interface ChainAnchorLedgerOptions {
  readonly connection: ChainConnection;
}

export class ChainAnchorLedger implements AnchorLedger {
  private readonly conn: ChainConnection;

  constructor(options: ChainAnchorLedgerOptions) {
    this.conn = options.connection;
  }

  get contract(): string {
    return this.conn.contractAddress('AuditAnchor');
  }

  async anchor(batch: AnchorBatch): Promise<AnchorPlacement> {
    const existing = await this.placementOf(batch.root);
    if (existing) return existing;
    try {
      const r = await this.conn.send('AuditAnchor', 'anchorRoot', [batch.root, batch.fromSeq, batch.toSeq, batch.count, batch.prevRoot]);
      return { txHash: r.hash, blockNumber: r.blockNumber, chainId: this.conn.deployment.chainId, contract: this.contract };
    } catch (e) {
      // Anchored meanwhile (an earlier attempt whose receipt was lost): find where.
      if (isChainAdapterError(e, 'CHAIN_REVERTED') && e.details?.['errorName'] === 'AuditAnchor__AlreadyAnchored') {
        const p = await this.placementOf(batch.root);
        if (p) return p;
      }
      throw e;
    }
  }

  /** Publishes the server's Ed25519 key (`bytes32`) unless the contract has it already. */
  async publishSigningKey(publicKeyBytes32: string): Promise<boolean> {
    const [has] = await this.conn.call('AuditAnchor', 'isSigningKey', [publicKeyBytes32]);
    if (has === true) return false;
    await this.conn.send('AuditAnchor', 'publishSigningKey', [publicKeyBytes32]);
    return true;
  }

  /** Where `root` was anchored, or `undefined` when it is not on chain. */
  async placementOf(root: string): Promise<AnchorPlacement | undefined> {
    const res = await this.conn.call('AuditAnchor', 'checkRoot', [root, ZERO32]);
    if (res[0] !== true) return undefined;
    const block = Number((res[1] as { blockNumber: bigint }).blockNumber);
    const iface = this.conn.interfaces.AuditAnchor;
    const topic = iface.getEvent('RootAnchored')?.topicHash;
    const logs = await this.conn.rpc.request<{ transactionHash: string; blockNumber: string }[]>('eth_getLogs', [
      { address: this.contract, fromBlock: `0x${block.toString(16)}`, toBlock: `0x${block.toString(16)}`, topics: [topic, root] },
    ]);
    const log = logs[0];
    if (!log) throw new ChainAdapterError('CHAIN_RPC_ERROR', `root ${root} is anchored in block ${block} but its RootAnchored event is missing`);
    return { txHash: log.transactionHash, blockNumber: Number(log.blockNumber), chainId: this.conn.deployment.chainId, contract: this.contract };
  }

  /** The reader over this connection's node. */
  reader(): AnchorReader {
    return async (q) => checkRoot(this.conn.rpc, this.conn.deployment.chainId, q);
  }
}

let ifaceCache: Interface | undefined;
function anchorInterface(): Interface {
  ifaceCache ??= new Interface(loadArtifact('AuditAnchor').abi as InterfaceAbi);
  return ifaceCache;
}

/** One `eth_call` of `checkRoot` at the placement's contract, on a node of chain `chainId`. */
async function checkRoot(rpc: JsonRpc, chainId: number, { root, signingKey, placement }: Parameters<AnchorReader>[0]): Promise<AnchorCheck> {
  if (chainId !== placement.chainId) throw new ChainAdapterError('INVALID_INPUT', `the receipt is for chain ${placement.chainId}, the node is chain ${chainId}`);
  const raw = await rpc.request<string>('eth_call', [{ to: getAddress(placement.contract), data: anchorInterface().encodeFunctionData('checkRoot', [root, signingKey]) }, 'latest']);
  if (raw === '0x') throw new ChainAdapterError('CHAIN_BAD_DEPLOYMENT', `no AuditAnchor contract at ${placement.contract}`);
  return decodeCheck(raw);
}

function decodeCheck(raw: string): AnchorCheck {
  const [anchored, a, keyPublished] = anchorInterface().decodeFunctionResult('checkRoot', raw) as unknown as [
    boolean,
    { fromSeq: bigint; toSeq: bigint; count: bigint; prevRoot: string },
    boolean,
  ];
  return { anchored, fromSeq: Number(a.fromSeq), toSeq: Number(a.toSeq), count: Number(a.count), prevRoot: a.prevRoot, keyPublished };
}

/**
 * A reader for receipts against the node at `rpcUrl`: checks the node is the receipt's chain, then
 * one `eth_call` of `checkRoot` at the receipt's contract. `close()` when done.
 */
export function chainAnchorReader(rpcUrl: string, options: { requestTimeoutMs?: number } = {}): { read: AnchorReader; close(): void } {
  const rpc = new JsonRpc(rpcUrl, options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs });
  let chainId: number | undefined;
  return {
    read: async (q) => {
      chainId ??= await rpc.chainId();
      return checkRoot(rpc, chainId, q);
    },
    close: () => rpc.destroy(),
  };
}
