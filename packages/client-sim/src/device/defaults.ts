import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DtlsClient, UdpTransport } from '@chainm2m/dtls';
import { CoapEndpoint } from '@chainm2m/lwm2m';
import type { Connector, SimCoapEndpoint, SimCoapEndpointOptions, SimConnection } from './coapShapes.js';

/** A local address to bind a plain UDP socket to for reaching `host`. */
function bindHostFor(host: string): string {
  if (host.startsWith('127.')) return '127.0.0.1';
  if (host === '::1') return '::1';
  return host.includes(':') ? '::' : '0.0.0.0';
}

/** DTLS (`DtlsClient`) for coaps, plain UDP (`UdpTransport`) for coap. */
export const defaultConnector: Connector = async (t): Promise<SimConnection> => {
  // resolve names once (e.g. a compose service name): datagrams come back from the address
  const host = t.host === 'localhost' ? '127.0.0.1' : isIP(t.host) ? t.host : (await lookup(t.host)).address;
  if (t.scheme === 'coaps') {
    const client = await DtlsClient.connect({
      host,
      port: t.port,
      identity: t.identity ?? '',
      key: t.key ?? new Uint8Array(),
      clock: t.clock,
      random: t.random,
      timeoutMs: t.timeoutMs,
      connectionId: true, // RFC 9146: the session survives a NAT rebinding (servers without it ignore the offer)
    });
    return { transport: client, peer: client.peer, rebind: () => client.rebind() };
  }
  const udp = await UdpTransport.bind({ host: bindHostFor(host), port: 0 });
  return { transport: udp, peer: { address: host, port: t.port } };
};

/** `CoapEndpoint` from `@chainm2m/lwm2m`. */
export function defaultEndpointFactory(opts: SimCoapEndpointOptions): SimCoapEndpoint {
  return new CoapEndpoint(opts);
}
