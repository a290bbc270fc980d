import { Lwm2mError } from '../Lwm2mError.js';

/** Stable codes of {@link CoapError}. */
export const CoapErrorCode = {
  /** No ACK / response within the retransmission schedule or the request's `timeoutMs`. */
  Timeout: 'COAP_TIMEOUT',
  /** The peer answered our message with a Reset. */
  Reset: 'COAP_RESET',
  /** The endpoint was closed while the exchange was pending. */
  Closed: 'COAP_CLOSED',
  /** The transport refused to send (e.g. no DTLS session with that peer). */
  SendFailed: 'COAP_SEND_FAILED',
  /** The peer sent something that is not a valid answer (e.g. inconsistent block-wise answer). */
  BadMessage: 'COAP_BAD_MESSAGE',
  /** The caller's request cannot be encoded (bad path, option too long, ...). */
  BadRequest: 'COAP_BAD_REQUEST',
  /** A block-wise transfer failed (4.08 from the peer, response exceeding `maxBodySize`, ...). */
  BlockFailed: 'COAP_BLOCK_FAILED',
  /** `forgetPeer()` was called for the peer of a pending exchange. */
  PeerForgotten: 'COAP_PEER_FORGOTTEN',
} as const;
export type CoapErrorCode = (typeof CoapErrorCode)[keyof typeof CoapErrorCode];

/** The error type of the CoAP endpoint; `code` is one of {@link CoapErrorCode}. */
export class CoapError extends Lwm2mError {
  declare readonly code: CoapErrorCode;

  constructor(code: CoapErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
