export { EndpointService, toEndpointView, type EndpointDefaults, type NewEndpoint, type EndpointView, type EndpointSecrets, type BulkResult } from './EndpointService.js';
export { UserService, toUserView, PASSWORD_MIN_LENGTH, type PasswordHasher, type UserView, type NewUserInput, type UserChanges } from './UserService.js';
export { parsePsk, checkEndpointName, checkUsername, PSK_MIN_BYTES, PSK_MAX_BYTES } from './validation.js';
export { parseCsv, csvCell, type CsvRecord, type CsvProblem } from './csv.js';
export { endpointsFromCsv, ENDPOINT_CSV_COLUMNS, type EndpointCsv, type CsvLineFailure } from './endpointCsv.js';
