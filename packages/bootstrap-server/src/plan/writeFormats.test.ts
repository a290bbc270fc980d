import { describe, expect, it } from 'vitest';
import { diagnosticText, isFormatRefusal } from './writeFormats.js';

describe('isFormatRefusal', () => {
  it('4.15 always; 4.00/4.04/4.05/4.06 without words or with words about the format', () => {
    expect(isFormatRefusal('4.15', 'lifetime too short')).toBe(true);
    for (const code of ['4.00', '4.04', '4.05', '4.06']) {
      expect(isFormatRefusal(code, '')).toBe(true);
      expect(isFormatRefusal(code, 'Unsupported content format')).toBe(true);
      expect(isFormatRefusal(code, 'cannot decode SenML: vd is not base64')).toBe(true);
      expect(isFormatRefusal(code, 'TLV parse error')).toBe(true);
      expect(isFormatRefusal(code, 'multiple Security instances for the bootstrap account')).toBe(false);
      expect(isFormatRefusal(code, 'lifetime below the minimum')).toBe(false);
    }
  });

  it('other codes never', () => {
    for (const code of ['4.01', '4.03', '4.13', '5.00', '5.03']) expect(isFormatRefusal(code, '')).toBe(false);
  });

  it('diagnostic text is printable and bounded', () => {
    expect(diagnosticText(undefined)).toBe('');
    expect(diagnosticText(new Uint8Array([0x41, 0x00, 0x42]))).toBe('A?B');
    expect(diagnosticText(new TextEncoder().encode('x'.repeat(300)))).toBe(`${'x'.repeat(120)}…`);
  });
});
