/** The content of a device response or notification: the raw bytes and, when decodable, the decoded nodes. */
export interface DeviceContent {
  readonly contentFormat?: number;
  readonly payload: Uint8Array;
  /** Decoded value (lwm2m core nodes), absent when the format could not be decoded. */
  readonly nodes?: unknown;
}
