import { describe, expect, it } from 'vitest';
import { csvCell, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads a header, quoted cells, skips comments and blanks, and reports bad lines by number', () => {
    const text = ['endpoint,psk,identity', '# comment', 'a,00112233445566778899aabbccddeeff,', '', '"b,c","x""y",id-b', 'd,e,f,g', '"open,quote'].join('\n');
    const { header, records, problems } = parseCsv(text);
    expect(header).toEqual(['endpoint', 'psk', 'identity']);
    expect(records).toEqual([
      { line: 3, fields: { endpoint: 'a', psk: '00112233445566778899aabbccddeeff' } },
      { line: 5, fields: { endpoint: 'b,c', psk: 'x"y', identity: 'id-b' } },
    ]);
    expect(problems).toEqual([
      { line: 6, reason: '4 fields, the header has 3' },
      { line: 7, reason: 'unbalanced quotes' },
    ]);
  });

  it('round-trips cells that need quoting', () => {
    const cells = ['plain', 'with,comma', 'with "quote"'];
    const { records } = parseCsv(`a,b,c\n${cells.map(csvCell).join(',')}`);
    expect(records[0]?.fields).toEqual({ a: 'plain', b: 'with,comma', c: 'with "quote"' });
  });
});
