import { describe, expect, it } from 'vitest';
import { sseParser } from './eventStream.js';

describe('sseParser', () => {
  it('splits events across arbitrary chunk boundaries and skips comments', () => {
    const seen: [string, string][] = [];
    const feed = sseParser((type, data) => seen.push([type, data]));
    const stream = ': connected\n\nid: 1\nevent: registration\ndata: {"endpoint":"dev-001","lifetime":300}\n\n: keep-alive\n\nid: 2\nevent: notification\ndata: {"endpoint":"dev-001","content":{"value":21.5}}\n\n';
    for (let i = 0; i < stream.length; i += 7) feed(stream.slice(i, i + 7));
    expect(seen).toEqual([
      ['registration', '{"endpoint":"dev-001","lifetime":300}'],
      ['notification', '{"endpoint":"dev-001","content":{"value":21.5}}'],
    ]);
  });

  it('joins multi-line data and accepts CRLF framing', () => {
    const seen: string[] = [];
    sseParser((_t, d) => seen.push(d))('event: x\r\ndata: a\r\ndata: b\r\n\r\n');
    expect(seen).toEqual(['a\nb']);
  });
});
