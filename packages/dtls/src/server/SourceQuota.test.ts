import { describe, expect, it } from 'vitest';
import { SourceQuota, sourceKey } from './SourceQuota.js';

describe('sourceKey', () => {
  it('IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
    expect(sourceKey('192.0.2.17')).toBe('192.0.2.17');
    expect(sourceKey('::ffff:192.0.2.17')).toBe('192.0.2.17');
    expect(sourceKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('2001:0DB8:0000:0001:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('SourceQuota', () => {
  it('caps each source separately; a whole /64 shares one quota', () => {
    const q = new SourceQuota(2);
    q.add('2001:db8:0:1::5');
    q.add('2001:db8:0:1::6');
    expect(q.allows('2001:db8:0:1:ffff::9')).toBe(false);
    expect(q.allows('2001:db8:0:2::5')).toBe(true);
    expect(q.allows('192.0.2.1')).toBe(true);
    q.remove('2001:db8:0:1::5');
    expect(q.allows('2001:db8:0:1::7')).toBe(true);
    q.remove('2001:db8:0:1::6');
    expect(q.sources).toBe(0);
  });
});
