/**
 * Builds the lwm2m core node for a single value written to a resource or resource instance: the
 * resource type comes from the object model, or is inferred from the JS value when the object is
 * unknown.
 */
import { resourceInstance, singleResource, type Lwm2mResourceInstance, type Lwm2mSingleResource, type Lwm2mPath, type Lwm2mValue, type ResourceModel, type ResourceType } from '@chainm2m/lwm2m';

export function inferResourceType(value: Lwm2mValue): ResourceType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (value instanceof Uint8Array) return 'opaque';
  if (value instanceof Date) return 'time';
  return 'objlnk';
}

/** `path` must be a resource (depth 3) or resource instance (depth 4). */
export function valueNode(path: Lwm2mPath, value: Lwm2mValue, model: ResourceModel | undefined): Lwm2mSingleResource | Lwm2mResourceInstance {
  const type = model?.type ?? inferResourceType(value);
  if (path.resourceInstanceId !== undefined) return resourceInstance(path.resourceInstanceId, type, value);
  return singleResource(path.resourceId as number, type, value);
}
