import { ClientSimError } from '../ClientSimError.js';

export interface CoapUri {
  readonly scheme: 'coap' | 'coaps';
  readonly host: string;
  readonly port: number;
}

/** Parses `coaps://127.0.0.1:5784` (default ports 5683 / 5684; IPv6 in brackets). */
export function parseCoapUri(uri: string): CoapUri {
  const m = /^(coaps?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#[\]]+)(?::(\d{1,5}))?\/?$/.exec(uri.trim());
  if (!m) throw new ClientSimError('SIM_BAD_URI', 'not a coap:// or coaps:// URI', { details: { uri } });
  const scheme = m[1] as 'coap' | 'coaps';
  const host = (m[2] as string).replace(/^\[|\]$/g, '');
  const port = m[3] === undefined ? (scheme === 'coaps' ? 5684 : 5683) : Number(m[3]);
  if (port < 1 || port > 65535) throw new ClientSimError('SIM_BAD_URI', 'port out of range', { details: { uri } });
  return { scheme, host, port };
}
