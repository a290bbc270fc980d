/**
 * Where batch roots are anchored (implemented over the chain by the chain adapter's
 * `ChainAnchorLedger`; an in-memory one for unit tests).
 */

/** One batch of consecutive records, as anchored. Hex values are 0x-prefixed. */
export interface AnchorBatch {
  /** Merkle root (`bytes32`) of the records' hashes (OpenZeppelin StandardMerkleTree, leaf `bytes32`). */
  readonly root: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
  /** Root of the batch before, zero for the first. */
  readonly prevRoot: string;
}

/** Where a root was anchored. */
export interface AnchorPlacement {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly chainId: number;
  /** Address of the anchor contract. */
  readonly contract: string;
}

export interface AnchorLedger {
  /**
   * Anchors `batch` (batches arrive in order, each once it is durable). Idempotent: a root the
   * ledger already holds resolves with where it was anchored. Rejects while the chain is out;
   * the batcher retries the same batch until it succeeds.
   */
  anchor(batch: AnchorBatch): Promise<AnchorPlacement>;
}

/** What the chain says about a root (one `eth_call` of `AuditAnchor.checkRoot`). */
export interface AnchorCheck {
  readonly anchored: boolean;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
  readonly prevRoot: string;
  /** Whether `signingKey` is a server key the contract published. */
  readonly keyPublished: boolean;
}

/** Reads a root from the chain at `placement` (injected into receipt verification). */
export type AnchorReader = (query: { readonly root: string; readonly signingKey: string; readonly placement: AnchorPlacement }) => Promise<AnchorCheck>;

export const ZERO_ROOT = `0x${'0'.repeat(64)}`;
