/** JSON schemas shared by the routes (also the OpenAPI document's response schemas). */
export const errorSchema = {
  type: 'object',
  description: 'An error: `code` is stable (see errorToHttp.ts for the table), `message` is for people, `field` names the bad input',
  properties: {
    error: { type: 'string', description: 'HTTP status text' },
    code: { type: 'string', description: 'stable code, prefixed by the package that raised it (API_, SRV_, CHAIN_, LWM2M_ ...)' },
    message: { type: 'string' },
    field: { type: 'string', description: 'the request field at fault, e.g. body/clearance' },
  },
  required: ['error', 'code', 'message'],
  additionalProperties: false,
} as const;

/** What each error status means on this API, with an example body. */
const ERROR_EXAMPLES: Record<number, { readonly description: string; readonly example: Record<string, string> }> = {
  400: { description: 'Bad request: the field named is malformed, unknown or missing', example: { error: 'Bad Request', code: 'API_BAD_REQUEST', message: 'body/clearance must be integer', field: 'body/clearance' } },
  401: { description: 'No, a bad, an expired or a revoked token (or wrong credentials)', example: { error: 'Unauthorized', code: 'API_UNAUTHORIZED', message: 'token expired' } },
  403: { description: "The token's role or clearance does not allow it", example: { error: 'Forbidden', code: 'API_FORBIDDEN', message: 'clearance 10 is below the 200 that urn:imei:356938035643809 requires' } },
  404: { description: 'Unknown endpoint, user, registration or resource', example: { error: 'Not Found', code: 'SRV_DEVICE_NOT_REGISTERED', message: 'urn:imei:356938035643809 is not registered' } },
  405: { description: 'The device does not allow this operation on that path', example: { error: 'Method Not Allowed', code: 'SRV_DEVICE_ERROR', message: 'device answered 4.05' } },
  406: { description: 'The device cannot answer in the content format asked for', example: { error: 'Not Acceptable', code: 'SRV_DEVICE_ERROR', message: 'device answered 4.06' } },
  409: { description: 'Exists already (or the device reports a conflict)', example: { error: 'Conflict', code: 'SRV_ENDPOINT_EXISTS', message: 'endpoint urn:imei:356938035643809 exists already' } },
  412: { description: 'The device refused a precondition', example: { error: 'Precondition Failed', code: 'SRV_DEVICE_ERROR', message: 'device answered 4.12' } },
  413: { description: 'Too large (for the device or for this API)', example: { error: 'Payload Too Large', code: 'SRV_DEVICE_ERROR', message: 'device answered 4.13' } },
  415: { description: 'No content format both sides support', example: { error: 'Unsupported Media Type', code: 'SRV_UNSUPPORTED_CONTENT_FORMAT', message: 'no content format for this write' } },
  429: { description: 'Too many failed logins; see Retry-After', example: { error: 'Too Many Requests', code: 'API_RATE_LIMITED', message: 'too many failed logins; retry in 900 s' } },
  500: { description: 'An unexpected error (logged; no details given)', example: { error: 'Internal Server Error', code: 'API_INTERNAL', message: 'internal error' } },
  501: { description: 'The device does not support this operation', example: { error: 'Not Implemented', code: 'SRV_NOT_SUPPORTED', message: 'composite operations need LwM2M 1.1' } },
  502: { description: 'The device answered with an error or could not be reached', example: { error: 'Bad Gateway', code: 'SRV_DEVICE_UNREACHABLE', message: 'device unreachable' } },
  503: { description: 'The chain (or a queue-mode device queue) is unavailable; see Retry-After', example: { error: 'Service Unavailable', code: 'CHAIN_UNREACHABLE', message: 'the chain is unreachable; retry later' } },
  504: { description: 'The device did not answer in time', example: { error: 'Gateway Timeout', code: 'SRV_DEVICE_TIMEOUT', message: 'device did not answer' } },
};

/** Response schemas of the given error statuses, for a route's `schema.response`. */
export function errorResponses(...statuses: (keyof typeof ERROR_EXAMPLES)[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((s) => [s, { ...errorSchema, description: ERROR_EXAMPLES[s]?.description ?? 'Error', example: ERROR_EXAMPLES[s]?.example }]));
}

/** Errors every protected route can answer: bad input, no token, role/clearance. */
export const SECURED_ERRORS = [400, 401, 403, 500] as const;
/** Errors of a device operation, beyond `SECURED_ERRORS` (device CoAP errors map to 4xx, see errorToHttp). */
export const DEVICE_ERRORS = [404, 405, 406, 409, 412, 413, 415, 501, 502, 503, 504] as const;

/** A 204 answer (no body). */
export const noContent = (description: string) => ({ type: 'null', description }) as const;

export const pageQuerySchema = {
  type: 'object',
  properties: {
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
  additionalProperties: false,
} as const;

export const registrationSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    registrationId: { type: 'string' },
    lifetime: { type: 'integer' },
    lwm2mVersion: { type: 'string' },
    binding: { type: 'string' },
    queueMode: { type: 'boolean' },
    rootPath: { type: 'string' },
    objectLinks: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, version: { type: 'string' } },
        required: ['path'],
      },
    },
    address: { type: 'string' },
    secure: { type: 'boolean' },
    identity: { type: 'string' },
    registeredAt: { type: 'string', format: 'date-time' },
    lastUpdateAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const endpointViewSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    bootstrap: { type: 'object', properties: { serverUri: { type: 'string' }, identity: { type: 'string' } } },
    server: {
      type: 'object',
      properties: {
        serverUri: { type: 'string' },
        identity: { type: 'string' },
        shortServerId: { type: 'integer' },
        lifetime: { type: 'integer' },
        binding: { type: 'string' },
      },
    },
    clearance: { type: 'integer' },
    registrar: { type: 'string' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
  },
} as const;

export const userViewSchema = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'user', 'application'] },
    clearance: { type: 'integer' },
    email: { type: 'string' },
    active: { type: 'boolean' },
    createdAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
  },
} as const;

export const anomalySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    endpoint: { type: 'string' },
    collectedAt: { type: 'integer' },
    severity: { type: 'integer' },
    kind: { type: 'string' },
    value: { type: 'string' },
    reporter: { type: 'string' },
    recordedAt: { type: 'integer' },
  },
} as const;
