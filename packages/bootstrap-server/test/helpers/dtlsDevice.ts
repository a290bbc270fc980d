/** A device made of our DtlsClient + CoapEndpoint + MiniDevice (test only). */
import { DtlsClient } from '@chainm2m/dtls';
import { CoapEndpoint, type ClientResponse, type PeerAddress } from '@chainm2m/lwm2m';
import { MiniDevice, type MiniDeviceOptions } from './MiniDevice.js';

export interface DtlsDevice {
  readonly device: MiniDevice;
  readonly coap: CoapEndpoint;
  readonly client: DtlsClient;
  /** POST /bs?<query>; resolves with the server's answer. */
  requestBootstrap(query: string): Promise<ClientResponse>;
  close(): Promise<void>;
}

export async function connectDevice(
  server: PeerAddress,
  account: { serverUri: string; identity: string; key: Uint8Array },
  opts: MiniDeviceOptions & { timeoutMs?: number } = {},
): Promise<DtlsDevice> {
  const client = await DtlsClient.connect({ host: server.address, port: server.port, identity: account.identity, key: account.key, timeoutMs: opts.timeoutMs ?? 10_000 });
  const device = new MiniDevice(account, opts);
  const coap = new CoapEndpoint({ transport: client, handler: device.handle });
  return {
    device,
    coap,
    client,
    requestBootstrap: (query) => coap.request(client.peer, { method: 'POST', path: `/bs?${query}`, timeoutMs: 10_000 }),
    close: () => coap.close(),
  };
}
