export { EndpointService, toEndpointView, type EndpointDefaults, type NewEndpoint, type EndpointView, type EndpointSecrets, type BulkResult } from './EndpointService.js';
export { UserService, toUserView, PASSWORD_MIN_LENGTH, type PasswordHasher, type UserView, type NewUserInput, type UserChanges } from './UserService.js';
export { parsePsk, checkEndpointName, checkUsername, PSK_MIN_BYTES, PSK_MAX_BYTES } from './validation.js';
