import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InvalidModelError, ResourceType, defineObject } from './ObjectModel.js';
import type { ObjectModel, Operations, ResourceModel } from './ObjectModel.js';

const TYPES: Record<string, ResourceType> = {
  string: ResourceType.String,
  integer: ResourceType.Integer,
  'unsigned integer': ResourceType.UnsignedInteger,
  unsignedinteger: ResourceType.UnsignedInteger,
  float: ResourceType.Float,
  boolean: ResourceType.Boolean,
  opaque: ResourceType.Opaque,
  time: ResourceType.Time,
  objlnk: ResourceType.Objlnk,
  corelnk: ResourceType.Corelnk,
  none: ResourceType.None,
  '': ResourceType.None,
};

const OPS = new Set(['', 'R', 'W', 'RW', 'E']);

type XmlNode = Record<string, unknown>;

function text(node: XmlNode, key: string, where: string, required = true): string {
  const v = node[key];
  if (v === undefined || v === null) {
    if (required) throw new InvalidModelError(`DDF: missing <${key}> in ${where}`);
    return '';
  }
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new InvalidModelError(`DDF: <${key}> in ${where} must be text`);
}

function int(node: XmlNode, key: string, where: string): number {
  const s = text(node, key, where);
  if (!/^\d{1,5}$/.test(s)) throw new InvalidModelError(`DDF: <${key}> in ${where} is not an id`, { value: s.slice(0, 40) });
  return Number(s);
}

function instances(v: string, where: string): boolean {
  if (v === 'Multiple') return true;
  if (v === 'Single') return false;
  throw new InvalidModelError(`DDF: MultipleInstances must be Single or Multiple in ${where}`, { value: v.slice(0, 40) });
}

function mandatory(v: string, where: string): boolean {
  if (v === 'Mandatory') return true;
  if (v === 'Optional') return false;
  throw new InvalidModelError(`DDF: Mandatory must be Mandatory or Optional in ${where}`, { value: v.slice(0, 40) });
}

function asArray(v: unknown): XmlNode[] {
  if (v === undefined || v === null || v === '') return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.filter((x): x is XmlNode => typeof x === 'object' && x !== null);
}

/**
 * Parses OMA DDF XML (`<LWM2M><Object ObjectType="MODefinition">…`) into object models.
 * Malformed XML or definitions throw `InvalidModelError` (`LWM2M_INVALID_MODEL`).
 */
export function loadDdf(xml: string): ObjectModel[] {
  if (typeof xml !== 'string' || xml.trim() === '') throw new InvalidModelError('DDF: empty document');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new InvalidModelError(`DDF: not well-formed XML (${valid.err.msg})`, { line: valid.err.line, col: valid.err.col });
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: true,
    trimValues: true,
    isArray: (name) => name === 'Object' || name === 'Item',
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (e) {
    throw new InvalidModelError('DDF: cannot parse XML', undefined, e);
  }
  const root = doc['LWM2M'];
  if (typeof root !== 'object' || root === null) throw new InvalidModelError('DDF: root element must be <LWM2M>');
  const objects = asArray((root as XmlNode)['Object']);
  if (objects.length === 0) throw new InvalidModelError('DDF: no <Object> element');
  return objects.map((o) => {
    const id = int(o, 'ObjectID', 'Object');
    const where = `object ${id}`;
    const resourcesNode = o['Resources'];
    const items = typeof resourcesNode === 'object' && resourcesNode !== null ? asArray((resourcesNode as XmlNode)['Item']) : [];
    const resources: ResourceModel[] = items.map((item) => {
      const rawId = item['@_ID'];
      if (typeof rawId !== 'string' || !/^\d{1,5}$/.test(rawId.trim())) throw new InvalidModelError(`DDF: Item without a valid ID in ${where}`);
      const rid = Number(rawId.trim());
      const rwhere = `${where} resource ${rid}`;
      const ops = text(item, 'Operations', rwhere, false);
      if (!OPS.has(ops)) throw new InvalidModelError(`DDF: unknown operations '${ops.slice(0, 10)}' in ${rwhere}`);
      const typeText = text(item, 'Type', rwhere, false).toLowerCase();
      const type = TYPES[typeText];
      if (type === undefined) throw new InvalidModelError(`DDF: unknown type '${typeText.slice(0, 20)}' in ${rwhere}`);
      const range = text(item, 'RangeEnumeration', rwhere, false);
      const units = text(item, 'Units', rwhere, false);
      const description = text(item, 'Description', rwhere, false);
      return {
        id: rid,
        name: text(item, 'Name', rwhere),
        operations: ops as Operations,
        multiple: instances(text(item, 'MultipleInstances', rwhere), rwhere),
        mandatory: mandatory(text(item, 'Mandatory', rwhere), rwhere),
        type: ops === 'E' && typeText === '' ? ResourceType.None : type,
        ...(range ? { rangeEnumeration: range } : {}),
        ...(units ? { units } : {}),
        ...(description ? { description } : {}),
      };
    });
    const version = text(o, 'ObjectVersion', where, false) || '1.0';
    const lwm2mVersion = text(o, 'LWM2MVersion', where, false) || '1.0';
    const urn = text(o, 'ObjectURN', where, false);
    const description = text(o, 'Description1', where, false);
    return defineObject({
      id,
      name: text(o, 'Name', where),
      version,
      lwm2mVersion,
      ...(urn ? { urn } : {}),
      multiple: instances(text(o, 'MultipleInstances', where), where),
      mandatory: mandatory(text(o, 'Mandatory', where), where),
      ...(description ? { description } : {}),
      resources,
    });
  });
}
