/**
 * The seam between protocol code (the CoAP endpoint) and what carries datagrams: plain UDP
 * (NoSec) or a DTLS server/client (`@chainm2m/dtls`, which satisfies this shape structurally
 * without importing it). No socket or DTLS type leaks above this interface.
 */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** What the security layer says about the peer a datagram came from. */
export interface PeerSecurity {
  /** Authenticated PSK identity (DTLS); absent for plain UDP. */
  readonly pskIdentity?: string;
  /** e.g. `TLS_PSK_WITH_AES_128_CCM_8`; absent for plain UDP. */
  readonly cipherSuite?: string;
}

export interface InboundDatagram {
  readonly peer: PeerAddress;
  readonly data: Uint8Array;
  readonly security: PeerSecurity;
}

export type SessionEvent =
  | { readonly kind: 'up'; readonly peer: PeerAddress; readonly security: PeerSecurity }
  | { readonly kind: 'down'; readonly peer: PeerAddress; readonly reason: string };

export interface DatagramTransport {
  /** `true` when the transport authenticates and encrypts (coaps). */
  readonly secure: boolean;
  /**
   * Sends one datagram to a peer. For DTLS the peer must have an established session
   * (server side) — otherwise rejects with a transport error.
   */
  send(peer: PeerAddress, data: Uint8Array): Promise<void>;
  /** Registers the single datagram handler (replaces a previous one). */
  onDatagram(handler: (datagram: InboundDatagram) => void): void;
  /** Session up/down (DTLS only; plain UDP never fires). Returns an unsubscribe function. */
  onSession(handler: (event: SessionEvent) => void): () => void;
  /** The bound local address. */
  address(): PeerAddress;
  close(): Promise<void>;
}
