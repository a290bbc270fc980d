import type { Lwm2mNode } from '@chainm2m/lwm2m';

/** The content of a device response or notification: the raw bytes and, when decodable, the lwm2m core nodes. */
export interface DeviceContent {
  readonly contentFormat?: number;
  readonly payload: Uint8Array;
  /** Decoded node at the target path (single-path operations). */
  readonly node?: Lwm2mNode;
  /** Decoded nodes by path (composite operations). */
  readonly nodes?: readonly { readonly path: string; readonly node: Lwm2mNode }[];
  /** Why the payload could not be decoded (the raw payload is still given). */
  readonly decodeError?: string;
}
