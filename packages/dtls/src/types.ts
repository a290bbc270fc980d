/**
 * Shapes shared with `@chainm2m/lwm2m` (`transport/DatagramTransport.ts`, `time/Clock.ts`), declared here
 * structurally so this leaf package imports nothing from lwm2m.
 */
import { randomBytes } from 'node:crypto';

export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

export interface PeerSecurity {
  readonly pskIdentity?: string;
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
  readonly secure: boolean;
  send(peer: PeerAddress, data: Uint8Array): Promise<void>;
  onDatagram(handler: (datagram: InboundDatagram) => void): void;
  onSession(handler: (event: SessionEvent) => void): () => void;
  address(): PeerAddress;
  close(): Promise<void>;
}

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export interface Random {
  next(): number;
  bytes(n: number): Uint8Array;
}

export const SystemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

export const SystemRandom: Random = {
  next: () => Math.random(),
  bytes: (n) => randomBytes(n),
};

export function peerKey(peer: PeerAddress): string {
  return `${peer.address}|${peer.port}`;
}
