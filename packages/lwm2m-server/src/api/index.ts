export { buildApp } from './buildApp.js';
export { ApiError, ApiErrorCode } from './ApiError.js';
export type { ApiDeps, DeviceApi, DeviceCallOptions, ApiEvent, ApiEventType, ApiEventSource, JsonContent } from './ApiDeps.js';
export { TokenIssuer, es256KeysFromFiles, type JwtConfig, type JwtKeys, type TokenClaims } from './jwt.js';
export { DefaultLoginRateLimits, type LoginRateLimits } from './LoginRateLimiter.js';
export { errorToHttp, type HttpError } from './errorToHttp.js';
export { deviceApiFromServer, apiEventsFromServer, type DeviceApiDeps } from './deviceApi.js';
export { deviceDataApiFromServer, type DeviceDataApi, type DeviceDataApiDeps, type JsonLatestValue } from './deviceDataApi.js';
export { nodeToJson, contentToJson, jsonToInstance, jsonToValue, valueToJson } from './nodeJson.js';
