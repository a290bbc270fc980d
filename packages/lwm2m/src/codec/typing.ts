/** Turning raw wire values into typed LwM2M values with the object model, and back. */
import type { ObjectRegistry } from '../model/ObjectRegistry.js';
import type { ResourceModel, ResourceType } from '../model/ObjectModel.js';
import type { Lwm2mValue, ObjectLink } from '../node/Lwm2mNode.js';
import { CodecError, CodecErrorCode } from './CodecError.js';
import type { RawValue } from './wire/senml.js';
import { base64Decode, formatObjlnk, parseObjlnk, secondsToTime, timeToSeconds } from './values.js';

export function modelOf(model: ObjectRegistry | undefined, objectId: number, resourceId: number): ResourceModel | undefined {
  return model?.resource(objectId, resourceId);
}

function mismatch(type: ResourceType, raw: RawValue): CodecError {
  return new CodecError(CodecErrorCode.TypeMismatch, `a ${raw.kind} value does not fit resource type ${type}`, { type, kind: raw.kind });
}

/** Type of a raw value when no model is known. */
export function inferType(raw: RawValue): ResourceType {
  switch (raw.kind) {
    case 'number':
      // SenML `v` and LwM2M JSON `v` are numbers without an integer/float distinction: without a
      // model every number is a float, so a resource types the same whatever value it holds.
      return 'float';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'data':
      return 'opaque';
    case 'objlnk':
      return 'objlnk';
  }
}

/**
 * Converts a raw SenML / LwM2M JSON value to `type`. `stringOpaque`: opaque carried as base64 in a
 * string (LwM2M JSON `sv`); `stringObjlnk`: objlnk allowed in a string.
 */
export function typeRawValue(type: ResourceType, raw: RawValue): Lwm2mValue {
  switch (type) {
    case 'integer':
    case 'unsignedInteger':
      if (raw.kind !== 'number' || !Number.isSafeInteger(raw.value)) throw mismatch(type, raw);
      if (type === 'unsignedInteger' && raw.value < 0) throw mismatch(type, raw);
      return raw.value;
    case 'float':
      if (raw.kind !== 'number') throw mismatch(type, raw);
      return raw.value;
    case 'time':
      if (raw.kind !== 'number' || !Number.isInteger(raw.value)) throw mismatch(type, raw);
      return secondsToTime(raw.value);
    case 'boolean':
      if (raw.kind !== 'boolean') throw mismatch(type, raw);
      return raw.value;
    case 'string':
    case 'corelnk':
      if (raw.kind !== 'string') throw mismatch(type, raw);
      return raw.value;
    case 'opaque':
      if (raw.kind === 'data') return raw.value;
      if (raw.kind === 'string') {
        try {
          return base64Decode(raw.value);
        } catch {
          throw mismatch(type, raw);
        }
      }
      throw mismatch(type, raw);
    case 'objlnk':
      if (raw.kind !== 'objlnk' && raw.kind !== 'string') throw mismatch(type, raw);
      return parseObjlnk(raw.value);
    case 'none':
      throw new CodecError(CodecErrorCode.TypeMismatch, 'executable resources carry no value');
  }
}

/** Sets the SenML value field of a record under construction (no intermediate object). */
export function setSenmlValue(r: Partial<Record<'v' | 'vs' | 'vb' | 'vd' | 'vlo', unknown>>, type: ResourceType, value: Lwm2mValue): void {
  switch (type) {
    case 'integer':
    case 'unsignedInteger':
      r.v = Number(value as number | bigint);
      return;
    case 'float':
      r.v = value as number;
      return;
    case 'time':
      r.v = timeToSeconds(value as Date);
      return;
    case 'boolean':
      r.vb = value as boolean;
      return;
    case 'string':
    case 'corelnk':
      r.vs = value as string;
      return;
    case 'opaque':
      r.vd = value as Uint8Array;
      return;
    case 'objlnk':
      r.vlo = formatObjlnk(value as ObjectLink);
      return;
    case 'none':
      throw new CodecError(CodecErrorCode.Unsupported, 'executable resources carry no value');
  }
}
