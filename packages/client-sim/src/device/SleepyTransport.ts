import type { Clock, DatagramTransport, InboundDatagram, PeerAddress, SessionEvent } from '@chainm2m/lwm2m';

/**
 * A queue-mode device's radio (LwM2M 1.1 §6.5): awake for `awakeMs` after it last sent something,
 * asleep otherwise — datagrams arriving while asleep are lost (the server must hold its requests
 * until the device next talks, e.g. its Update).
 */
export class SleepyTransport implements DatagramTransport {
  private awakeUntil: number;
  /** Datagrams dropped while asleep. */
  dropped = 0;

  constructor(
    private readonly inner: DatagramTransport,
    private readonly clock: Clock,
    private readonly awakeMs: number,
  ) {
    this.awakeUntil = clock.now() + awakeMs;
  }

  get secure(): boolean {
    return this.inner.secure;
  }

  /** `true` while the device listens. */
  get awake(): boolean {
    return this.clock.now() <= this.awakeUntil;
  }

  send(peer: PeerAddress, data: Uint8Array): Promise<void> {
    this.awakeUntil = Math.max(this.awakeUntil, this.clock.now() + this.awakeMs);
    return this.inner.send(peer, data);
  }

  onDatagram(handler: (datagram: InboundDatagram) => void): void {
    this.inner.onDatagram((d) => {
      if (this.awake) handler(d);
      else this.dropped++;
    });
  }

  onSession(handler: (event: SessionEvent) => void): () => void {
    return this.inner.onSession(handler);
  }

  address(): PeerAddress {
    return this.inner.address();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
