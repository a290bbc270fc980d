import { describe, expect, it } from 'vitest';
import { ObjectRegistry } from './ObjectRegistry.js';
import { loadDdf } from './loadDdf.js';
import { InvalidModelError, isExecutable, isReadable, isWritable } from './ObjectModel.js';
import { parsePath } from '../path/Lwm2mPath.js';

const DDF = `<?xml version="1.0" encoding="utf-8"?>
<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://openmobilealliance.org/tech/profiles/LWM2M-v1_1.xsd">
  <Object ObjectType="MODefinition">
    <Name>Chain Meter</Name>
    <Description1>A test object &amp; its resources</Description1>
    <ObjectID>32769</ObjectID>
    <ObjectURN>urn:oma:lwm2m:x:32769:1.1</ObjectURN>
    <LWM2MVersion>1.1</LWM2MVersion>
    <ObjectVersion>1.1</ObjectVersion>
    <MultipleInstances>Multiple</MultipleInstances>
    <Mandatory>Optional</Mandatory>
    <Resources>
      <Item ID="0">
        <Name>Reading</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory><Type>Float</Type><RangeEnumeration></RangeEnumeration><Units>kWh</Units>
        <Description>Energy</Description>
      </Item>
      <Item ID="1">
        <Name>Tariffs</Name><Operations>RW</Operations><MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type>Unsigned Integer</Type><RangeEnumeration>0..9</RangeEnumeration><Units></Units>
        <Description></Description>
      </Item>
      <Item ID="2">
        <Name>Reset</Name><Operations>E</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type></Type><RangeEnumeration></RangeEnumeration><Units></Units>
        <Description></Description>
      </Item>
      <Item ID="3">
        <Name>Peer</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type>Objlnk</Type><RangeEnumeration></RangeEnumeration><Units></Units>
        <Description></Description>
      </Item>
    </Resources>
    <Description2></Description2>
  </Object>
</LWM2M>`;

describe('ObjectRegistry built-ins', () => {
  const reg = new ObjectRegistry();

  it('holds objects 0, 1, 2, 3, 4, 5, 3303, 3311', () => {
    expect(reg.ids()).toEqual([0, 1, 2, 3, 4, 5, 3303, 3311]);
    expect(reg.get(0)?.name).toBe('LwM2M Security');
    expect(reg.get(0)?.urn).toBe('urn:oma:lwm2m:oma:0:1.1');
    expect(reg.get(1)?.urn).toBe('urn:oma:lwm2m:oma:1:1.1');
    expect(reg.get(3)?.multiple).toBe(false);
    expect(reg.get(3303)?.urn).toBe('urn:oma:lwm2m:ext:3303:1.1');
  });

  it.each([
    ['/0/0/0', 'LwM2M Server URI', 'string', '', false],
    ['/0/0/1', 'Bootstrap-Server', 'boolean', '', false],
    ['/0/0/2', 'Security Mode', 'integer', '', false],
    ['/0/0/3', 'Public Key or Identity', 'opaque', '', false],
    ['/0/0/5', 'Secret Key', 'opaque', '', false],
    ['/0/0/10', 'Short Server ID', 'integer', '', false],
    ['/1/0/0', 'Short Server ID', 'integer', 'R', false],
    ['/1/0/1', 'Lifetime', 'integer', 'RW', false],
    ['/1/0/6', 'Notification Storing When Disabled or Offline', 'boolean', 'RW', false],
    ['/1/0/7', 'Binding', 'string', 'RW', false],
    ['/1/0/8', 'Registration Update Trigger', 'none', 'E', false],
    ['/2/0/2', 'ACL', 'integer', 'RW', true],
    ['/3/0/0', 'Manufacturer', 'string', 'R', false],
    ['/3/0/4', 'Reboot', 'none', 'E', false],
    ['/3/0/6', 'Available Power Sources', 'integer', 'R', true],
    ['/3/0/11', 'Error Code', 'integer', 'R', true],
    ['/3/0/13', 'Current Time', 'time', 'RW', false],
    ['/3/0/16', 'Supported Binding and Modes', 'string', 'R', false],
    ['/3/0/22', 'ExtDevInfo', 'objlnk', 'R', true],
    ['/4/0/4', 'IP Addresses', 'string', 'R', true],
    ['/5/0/0', 'Package', 'opaque', 'W', false],
    ['/5/0/3', 'State', 'integer', 'R', false],
    ['/3303/0/5700', 'Sensor Value', 'float', 'R', false],
    ['/3303/0/5701', 'Sensor Units', 'string', 'R', false],
    ['/3303/0/5605', 'Reset Min and Max Measured Values', 'none', 'E', false],
    ['/3311/0/5850', 'On/Off', 'boolean', 'RW', false],
    ['/3311/0/5851', 'Dimmer', 'integer', 'RW', false],
  ])('%s is %s (%s, %s)', (path, name, type, ops, multiple) => {
    const r = reg.resourceAt(parsePath(path));
    expect(r?.name).toBe(name);
    expect(r?.type).toBe(type);
    expect(r?.operations).toBe(ops);
    expect(r?.multiple).toBe(multiple);
  });

  it('classifies operations', () => {
    const reboot = reg.resource(3, 4);
    const lifetime = reg.resource(1, 1);
    expect(reboot && isExecutable(reboot)).toBe(true);
    expect(lifetime && isReadable(lifetime) && isWritable(lifetime)).toBe(true);
    expect(reg.resource(3, 999)).toBeUndefined();
    expect(reg.resourceAt(parsePath('/3/0'))).toBeUndefined();
  });
});

describe('loadDdf', () => {
  it('parses an OMA DDF document', () => {
    const [m] = loadDdf(DDF);
    expect(m?.id).toBe(32769);
    expect(m?.name).toBe('Chain Meter');
    expect(m?.description).toBe('A test object & its resources');
    expect(m?.version).toBe('1.1');
    expect(m?.lwm2mVersion).toBe('1.1');
    expect(m?.urn).toBe('urn:oma:lwm2m:x:32769:1.1');
    expect(m?.multiple).toBe(true);
    expect(m?.mandatory).toBe(false);
    expect([...(m?.resources.values() ?? [])].map((r) => [r.id, r.name, r.operations, r.multiple, r.mandatory, r.type])).toEqual([
      [0, 'Reading', 'R', false, true, 'float'],
      [1, 'Tariffs', 'RW', true, false, 'unsignedInteger'],
      [2, 'Reset', 'E', false, false, 'none'],
      [3, 'Peer', 'RW', false, false, 'objlnk'],
    ]);
    expect(m?.resources.get(0)?.units).toBe('kWh');
    expect(m?.resources.get(1)?.rangeEnumeration).toBe('0..9');
  });

  it('adds loaded objects to a registry', () => {
    const reg = new ObjectRegistry([]);
    expect(reg.ids()).toEqual([]);
    reg.loadDdf(DDF);
    expect(reg.resource(32769, 1)?.type).toBe('unsignedInteger');
  });

  it.each([
    ['empty', ''],
    ['not XML', 'hello'],
    ['unclosed', '<LWM2M><Object>'],
    ['wrong root', '<Foo/>'],
    ['no object', '<LWM2M></LWM2M>'],
    ['bad id', DDF.replace('<ObjectID>32769</ObjectID>', '<ObjectID>x</ObjectID>')],
    ['id too large', DDF.replace('<ObjectID>32769</ObjectID>', '<ObjectID>70000</ObjectID>')],
    ['bad type', DDF.replace('<Type>Float</Type>', '<Type>Quaternion</Type>')],
    ['bad ops', DDF.replace('<Operations>R</Operations>', '<Operations>X</Operations>')],
    ['bad instances', DDF.replace('<MultipleInstances>Multiple</MultipleInstances>', '<MultipleInstances>Many</MultipleInstances>')],
    ['duplicate resource', DDF.replace('<Item ID="1">', '<Item ID="0">')],
    ['item without id', DDF.replace('<Item ID="1">', '<Item>')],
  ])('rejects %s with InvalidModelError', (_name, xml) => {
    expect(() => loadDdf(xml)).toThrow(InvalidModelError);
  });
});
