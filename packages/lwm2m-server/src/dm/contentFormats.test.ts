import { ContentFormat as CF, type ResourceModel } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { isSingleValue, multiNodeFormats, readFormats } from './contentFormats.js';

const all = [CF.Tlv, CF.SenmlCbor, CF.SenmlJson, CF.Json, CF.Text, CF.Opaque];
const res = (over: Partial<ResourceModel>): ResourceModel => ({ id: 1, name: 'r', operations: 'R', multiple: false, mandatory: false, type: 'string', ...over });

describe('content-format negotiation', () => {
  it('prefers TLV for LwM2M 1.0 and SenML-CBOR/SenML-JSON for 1.1', () => {
    expect(multiNodeFormats({ lwm2mVersion: '1.0' }, all)).toEqual([CF.Tlv, CF.Json]);
    expect(multiNodeFormats({ lwm2mVersion: '1.1' }, all)).toEqual([CF.SenmlCbor, CF.SenmlJson, CF.Tlv, CF.Json]);
  });
  it('restricts to the formats the client announced with ct', () => {
    expect(multiNodeFormats({ lwm2mVersion: '1.1', supportedContentFormats: [CF.SenmlJson, CF.Text] }, all)).toEqual([CF.SenmlJson]);
    // Nothing usable announced: fall back to the version's defaults.
    expect(multiNodeFormats({ lwm2mVersion: '1.1', supportedContentFormats: [CF.Text] }, all)).toEqual([CF.SenmlCbor, CF.SenmlJson, CF.Tlv, CF.Json]);
  });
  it('puts formats the codec decodes first', () => {
    expect(multiNodeFormats({ lwm2mVersion: '1.1' }, [CF.SenmlJson])).toEqual([CF.SenmlJson, CF.SenmlCbor, CF.Tlv, CF.Json]);
  });
  it('asks text or opaque for single values, node formats otherwise', () => {
    expect(readFormats({ lwm2mVersion: '1.1' }, { depth: 3 }, all)[0]).toBe(CF.Text);
    expect(readFormats({ lwm2mVersion: '1.0' }, { depth: 3, resource: res({ type: 'opaque' }) }, all)).toEqual([CF.Opaque, CF.Tlv, CF.Json]);
    expect(readFormats({ lwm2mVersion: '1.0' }, { depth: 3, resource: res({ multiple: true }) }, all)).toEqual([CF.Tlv, CF.Json]);
    expect(readFormats({ lwm2mVersion: '1.1' }, { depth: 2 }, all)[0]).toBe(CF.SenmlCbor);
    expect(isSingleValue({ depth: 4 })).toBe(true);
    expect(isSingleValue({ depth: 1 })).toBe(false);
  });
});
