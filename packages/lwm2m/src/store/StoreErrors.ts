import { Lwm2mError } from '../Lwm2mError.js';

/**
 * A write that would duplicate a unique key (endpoint, PSK identity, registration id).
 * `details.field` names the key (`endpoint`, `identity`); identities and endpoints are not secret,
 * keys never appear here.
 */
export class DuplicateEntryError extends Lwm2mError {
  constructor(field: string, value: string) {
    super('LWM2M_STORE_DUPLICATE', `duplicate ${field} '${value}'`, { details: { field, value } });
  }
}

/** A write addressed to an entry that does not exist (e.g. `update` of an unknown endpoint). */
export class UnknownEntryError extends Lwm2mError {
  constructor(field: string, value: string) {
    super('LWM2M_STORE_NOT_FOUND', `unknown ${field} '${value}'`, { details: { field, value } });
  }
}

/** An entry that cannot be stored as given (empty endpoint, negative lifetime, ...). */
export class InvalidEntryError extends Lwm2mError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('LWM2M_STORE_INVALID', message, details ? { details } : {});
  }
}
