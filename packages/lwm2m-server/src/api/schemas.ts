/** JSON schemas shared by the routes (also the OpenAPI components). */
export const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string' },
  },
  required: ['code', 'message'],
} as const;

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
