import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { loadModels } from './models.js';

const ddf = (id: number, type: string): string => `<?xml version="1.0" encoding="utf-8"?>
<LWM2M><Object ObjectType="MODefinition"><Name>Object ${id}</Name><Description1></Description1><ObjectID>${id}</ObjectID>
<ObjectURN>urn:oma:lwm2m:x:${id}</ObjectURN><LWM2MVersion>1.1</LWM2MVersion><ObjectVersion>1.0</ObjectVersion>
<MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory><Resources>
<Item ID="5"><Name>Level</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory>
<Type>${type}</Type><RangeEnumeration></RangeEnumeration><Units></Units><Description></Description></Item>
</Resources><Description2></Description2></Object></LWM2M>`;

describe('--models', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads every DDF file of the directory next to the built-ins', () => {
    dir = mkdtempSync(join(tmpdir(), 'chainm2m-models-'));
    writeFileSync(join(dir, '32770.xml'), ddf(32770, 'Integer'));
    writeFileSync(join(dir, '32771.XML'), ddf(32771, 'Float'));
    writeFileSync(join(dir, 'notes.txt'), 'not a model');
    const { registry, loaded } = loadModels(dir);
    expect(loaded).toEqual([32770, 32771]);
    expect(registry.resource(32770, 5)?.type).toBe('integer');
    expect(registry.resource(32771, 5)?.type).toBe('float');
    expect(registry.has(3303)).toBe(true);
    expect(loadModels(undefined).loaded).toEqual([]);
  });

  it('names the file that does not parse, and a directory that cannot be read', () => {
    const d = (dir = mkdtempSync(join(tmpdir(), 'chainm2m-models-')));
    writeFileSync(join(d, 'broken.xml'), '<LWM2M><Object>');
    expect(() => loadModels(d)).toThrow(/broken\.xml/);
    expect(() => loadModels(join(d, 'missing'))).toThrow(/cannot read directory/);
  });

  it('comes from the flag, else CHAINM2M_MODELS', () => {
    expect(loadConfig({ models: '/opt/models' }, { CHAINM2M_MODELS: '/etc/m' }).modelsDir).toBe('/opt/models');
    expect(loadConfig({}, { CHAINM2M_MODELS: '/etc/m' }).modelsDir).toBe('/etc/m');
    expect(loadConfig({}, {}).modelsDir).toBeUndefined();
  });
});
