/** CoAP response codes LwM2M uses (TS Transport §6, RFC 7252 §12.1.2), as `c.dd` strings. */
export const ResponseCode = {
  Created: '2.01',
  Deleted: '2.02',
  Valid: '2.03',
  Changed: '2.04',
  Content: '2.05',
  Continue: '2.31',
  BadRequest: '4.00',
  Unauthorized: '4.01',
  BadOption: '4.02',
  Forbidden: '4.03',
  NotFound: '4.04',
  MethodNotAllowed: '4.05',
  NotAcceptable: '4.06',
  RequestEntityIncomplete: '4.08',
  PreconditionFailed: '4.12',
  RequestEntityTooLarge: '4.13',
  UnsupportedContentFormat: '4.15',
  InternalServerError: '5.00',
  NotImplemented: '5.01',
  BadGateway: '5.02',
  ServiceUnavailable: '5.03',
  GatewayTimeout: '5.04',
} as const;
export type ResponseCodeName = keyof typeof ResponseCode;
export type ResponseCode = (typeof ResponseCode)[ResponseCodeName];

/** `true` for 2.xx. */
export function isSuccessCode(code: string): boolean {
  return /^2\.\d\d$/.test(code);
}

/** `true` for 4.xx (the request was wrong: do not retry unchanged). */
export function isClientErrorCode(code: string): boolean {
  return /^4\.\d\d$/.test(code);
}

export function isServerErrorCode(code: string): boolean {
  return /^5\.\d\d$/.test(code);
}

const NAMES = new Map<string, ResponseCodeName>(
  (Object.entries(ResponseCode) as [ResponseCodeName, string][]).map(([k, v]) => [v, k]),
);

/** `'4.04'` -> `'NotFound'`, `undefined` for codes not in the table. */
export function responseCodeName(code: string): ResponseCodeName | undefined {
  return NAMES.get(code);
}
