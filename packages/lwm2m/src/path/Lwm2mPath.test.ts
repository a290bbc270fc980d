import { describe, expect, it } from 'vitest';
import { InvalidPathError, Lwm2mPath, formatPath, parsePath, pathFromSegments } from './Lwm2mPath.js';
import { Lwm2mError } from '../Lwm2mError.js';

describe('Lwm2mPath', () => {
  it.each([
    ['/', [], 'root'],
    ['/3', [3], 'object'],
    ['/3/0', [3, 0], 'objectInstance'],
    ['/3/0/1', [3, 0, 1], 'resource'],
    ['/3/0/6/1', [3, 0, 6, 1], 'resourceInstance'],
    ['3/0/1', [3, 0, 1], 'resource'],
    ['/3/0/', [3, 0], 'objectInstance'],
    ['/65534/65534', [65534, 65534], 'objectInstance'],
  ])('parses %s', (text, ids, level) => {
    const p = parsePath(text);
    expect(p.ids()).toEqual(ids);
    expect(p.level).toBe(level);
    expect(p.toString()).toBe('/' + ids.join('/'));
  });

  it.each(['//', '/3//1', '/a', '/-1', '/01', '/3/0/1/2/3', '/65535', '/1.5', '/ 3', '/3/0x1', '/99999999999'])(
    'rejects %s with a typed error',
    (text) => {
      let err: unknown;
      try {
        parsePath(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidPathError);
      expect(err).toBeInstanceOf(Lwm2mError);
      expect((err as InvalidPathError).code).toBe('LWM2M_INVALID_PATH');
    },
  );

  it('exposes ids and navigation', () => {
    const p = parsePath('/3/0/6/1');
    expect([p.objectId, p.instanceId, p.resourceId, p.resourceInstanceId]).toEqual([3, 0, 6, 1]);
    expect(p.parent().toString()).toBe('/3/0/6');
    expect(parsePath('/3').child(0).toString()).toBe('/3/0');
    expect(p.startsWith(parsePath('/3/0'))).toBe(true);
    expect(p.startsWith(parsePath('/3/1'))).toBe(false);
    expect(parsePath('/3/0').startsWith(p)).toBe(false);
    expect(p.segments()).toEqual(['3', '0', '6', '1']);
    expect(pathFromSegments(['3303', '0']).toString()).toBe('/3303/0');
    expect(pathFromSegments([]).isRoot()).toBe(true);
    expect(formatPath(3, 0, 1)).toBe('/3/0/1');
    expect(JSON.stringify({ p: parsePath('/1/0') })).toBe('{"p":"/1/0"}');
  });

  it('rejects a level without its parents and out-of-range ids', () => {
    expect(() => new Lwm2mPath(3, undefined, 1)).toThrow(InvalidPathError);
    expect(() => new Lwm2mPath(-1)).toThrow(InvalidPathError);
    expect(() => new Lwm2mPath(1.5)).toThrow(InvalidPathError);
    expect(() => parsePath('/3/0/6/1').child(1)).toThrow(InvalidPathError);
  });
});
