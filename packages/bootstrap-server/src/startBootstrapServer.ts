import { DtlsServer, UdpTransport, type CipherSuiteName } from '@chainm2m/dtls';
import {
  CoapEndpoint,
  DerivedBootstrapConfigStore,
  SystemClock,
  SystemRandom,
  type BootstrapConfigStore,
  type Clock,
  type PeerAddress,
  type Random,
  type SecurityStore,
} from '@chainm2m/lwm2m';
import type { BootstrapEventMap } from './BootstrapEvents.js';
import type { BootstrapPolicy, BootstrapPolicyOptions } from './BootstrapPolicy.js';
import { BootstrapSessionManager, type BootstrapStats } from './BootstrapSessionManager.js';
import type { TypedEmitter } from '@chainm2m/lwm2m';
import { BufferedUdpSocket } from './net/BufferedUdpSocket.js';

/** Standard ports of the LwM2M bootstrap server. */
export const BootstrapPorts = { coap: 5783, coaps: 5784 } as const;

export interface BootstrapServerOptions {
  readonly securityStore: SecurityStore;
  /** Default: every endpoint's configuration derived from its security record. */
  readonly configStore?: BootstrapConfigStore;
  /** Bind address (default `0.0.0.0`). */
  readonly host?: string;
  /** CoAPS port (default 5784; 0 = ephemeral). */
  readonly port?: number;
  /** Plain CoAP (NoSec) listener, only when given (default port 5783). */
  readonly nosec?: { readonly port?: number; readonly host?: string };
  readonly clock?: Clock;
  readonly random?: Random;
  readonly dtls?: {
    readonly cipherSuites?: CipherSuiteName[];
    readonly identityHint?: string;
    readonly maxSessions?: number;
    readonly maxHandshakes?: number;
    readonly idleTimeoutMs?: number;
    readonly retransmitInitialMs?: number;
    readonly retransmitMaxMs?: number;
  };
  readonly coap?: {
    readonly ackTimeoutMs?: number;
    readonly ackRandomFactor?: number;
    readonly maxRetransmit?: number;
    readonly blockSize?: number;
  };
  readonly policy?: BootstrapPolicy | BootstrapPolicyOptions;
  /** Delay between the 2.04 and the first request of a session, ms (default 0). */
  readonly startDelayMs?: number;
  /** Concurrent bootstrap sessions (default 10,000). */
  readonly maxSessions?: number;
  /** Kernel receive/send buffer of the CoAPS socket, bytes (default 4 MiB; capped by the kernel). */
  readonly socketBufferBytes?: number;
}

export interface BootstrapServerStats {
  readonly bootstrap: BootstrapStats;
  readonly dtls: ReturnType<DtlsServer['stats']>;
  readonly coap: ReturnType<CoapEndpoint['stats']>;
  readonly nosecCoap?: ReturnType<CoapEndpoint['stats']>;
}

export interface BootstrapServer {
  /** The CoAPS (DTLS) listener. */
  readonly address: PeerAddress;
  /** The plain CoAP listener, when NoSec was enabled. */
  readonly nosecAddress?: PeerAddress;
  readonly events: TypedEmitter<BootstrapEventMap>;
  readonly sessions: BootstrapSessionManager;
  stats(): BootstrapServerStats;
  close(): Promise<void>;
}

/**
 * Starts the bootstrap server: a DTLS 1.2 PSK listener whose PSK resolver only knows *bootstrap*
 * identities, a CoAP endpoint over it, and the bootstrap handler; plain CoAP only when `nosec` is
 * given. Secrets are never logged; refused handshakes and requests are reported as events.
 */
export async function startBootstrapServer(options: BootstrapServerOptions): Promise<BootstrapServer> {
  const clock = options.clock ?? SystemClock;
  const random = options.random ?? SystemRandom;
  const { securityStore } = options;
  const manager = new BootstrapSessionManager({
    securityStore,
    configStore: options.configStore ?? new DerivedBootstrapConfigStore(securityStore),
    clock,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.startDelayMs === undefined ? {} : { startDelayMs: options.startDelayMs }),
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
  });

  const socket = await BufferedUdpSocket.bind({
    host: options.host ?? '0.0.0.0',
    port: options.port ?? BootstrapPorts.coaps,
    bufferBytes: options.socketBufferBytes ?? 4 * 1024 * 1024,
  });
  // Only bootstrap accounts get a key: a server-account or unknown identity fails the handshake.
  const pskResolver = async (identity: string): Promise<Uint8Array | undefined> => {
    try {
      const match = await securityStore.getByIdentity(identity);
      return match?.account === 'bootstrap' ? match.info.bootstrap.key : undefined;
    } catch {
      return undefined;
    }
  };
  const dtls = await DtlsServer.listen({ socket, pskResolver, clock, random, ...options.dtls }).catch(async (err: unknown) => {
    await socket.close();
    throw err;
  });
  dtls.on('handshakeFailed', (e) => {
    manager.events.emit('handshakeFailed', {
      peer: e.peer,
      ...(e.identity === undefined ? {} : { identity: e.identity }),
      reason: e.reason,
      at: clock.now(),
    });
  });
  const coap = new CoapEndpoint({ transport: dtls, clock, random, ...options.coap });
  const unsubscribe = dtls.onSession((e) => {
    if (e.kind === 'down') manager.peerDown(coap, e.peer, `DTLS session closed (${e.reason})`);
  });
  coap.setHandler(manager.handlerFor(coap));

  let nosecCoap: CoapEndpoint | undefined;
  let nosecAddress: PeerAddress | undefined;
  if (options.nosec) {
    try {
      const udp = await UdpTransport.bind({ host: options.nosec.host ?? options.host ?? '0.0.0.0', port: options.nosec.port ?? BootstrapPorts.coap });
      nosecAddress = udp.address();
      nosecCoap = new CoapEndpoint({ transport: udp, clock, random, ...options.coap });
      nosecCoap.setHandler(manager.handlerFor(nosecCoap));
    } catch (err) {
      unsubscribe();
      await coap.close();
      await dtls.close().catch(() => undefined);
      throw err;
    }
  }

  let closing: Promise<void> | undefined;
  const server: BootstrapServer = {
    address: dtls.address(),
    ...(nosecAddress ? { nosecAddress } : {}),
    events: manager.events,
    sessions: manager,
    stats: () => ({
      bootstrap: manager.stats(),
      dtls: dtls.stats(),
      coap: coap.stats(),
      ...(nosecCoap ? { nosecCoap: nosecCoap.stats() } : {}),
    }),
    close: () => {
      closing ??= (async () => {
        await manager.close();
        unsubscribe();
        await Promise.allSettled([coap.close(), nosecCoap?.close()]);
        await dtls.close().catch(() => undefined);
      })();
      return closing;
    },
  };
  return server;
}
