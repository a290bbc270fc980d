import { describe, expect, it } from 'vitest';
import type { ClientView, ObjectModelJson } from '../api/types.js';
import { parseInput } from './input.js';
import { metricTotals } from './metrics.js';
import { appendPoint, numericValues } from './series.js';
import { buildTree } from './tree.js';

describe('console helpers', () => {
  it('types what the user typed by the resource model', () => {
    expect(parseInput('true', 'boolean')).toBe(true);
    expect(parseInput(' 21.5 ', 'float')).toBe(21.5);
    expect(parseInput('0042', 'string')).toBe('0042');
    expect(parseInput('{"5850": true}', undefined)).toEqual({ 5850: true });
    expect(parseInput('not json', undefined)).toBe('not json');
  });

  it('sums a Prometheus exposition by metric name', () => {
    const text = '# HELP x y\nchainm2m_http_requests_total{route="/a",status="200"} 3\nchainm2m_http_requests_total{route="/b",status="404"} 2\nchainm2m_registrations 7\nnode_heap 1.5e3\n';
    const m = metricTotals(text);
    expect(m.get('chainm2m_http_requests_total')).toBe(5);
    expect(m.get('chainm2m_registrations')).toBe(7);
    expect(m.get('node_heap')).toBe(1500);
  });

  it('finds numeric values in nodes and keeps a bounded series', () => {
    expect(numericValues('/3303/0', { kind: 'objectInstance', id: 0, resources: [{ kind: 'singleResource', id: 5700, type: 'float', value: 22.4 }, { kind: 'singleResource', id: 5701, type: 'string', value: 'Cel' }] })).toEqual([['/3303/0/5700', 22.4]]);
    let s = appendPoint(undefined, 1, 1);
    for (let i = 2; i <= 2500; i++) s = appendPoint(s, i, i);
    expect(s.v.length).toBe(2000);
    expect(s.t[0]).toBe(501);
  });

  it('builds the object tree from object links, named by the models', () => {
    const models = new Map<number, ObjectModelJson>([[3303, { id: 3303, name: 'Temperature', version: '1.1', multiple: true, mandatory: false, resources: [{ id: 5700, name: 'Sensor Value', operations: 'R', multiple: false, mandatory: true, type: 'float', units: 'Cel' }] }]]);
    const client = { objectLinks: [{ path: '/3303/0' }, { path: '/3303/1' }, { path: '/32769' }] } as unknown as ClientView;
    const tree = buildTree(client, models);
    expect(tree.map((n) => n.label)).toEqual(['3303 Temperature', '32769 (no model)']);
    expect(tree[0]!.children.map((c) => c.path)).toEqual(['/3303/0', '/3303/1']);
    expect(tree[0]!.children[0]!.children[0]).toMatchObject({ path: '/3303/0/5700', label: '5700 Sensor Value', detail: 'float, Cel, R' });
  });
});

import { csvChunks } from './csvChunks.js';

describe('csvChunks', () => {
  it('keeps every line number of the original file across parts', () => {
    const file = ['# devices for site A', 'endpoint,clearance', 'dev-1,0', '', 'dev-2,x', 'dev-3,1', '# spare', 'dev-4,2', ''].join('\n');
    const chunks = csvChunks(file, 2);
    expect(chunks.map((c) => c.lineOffset)).toEqual([1, 3, 5]);
    expect(chunks.map((c) => c.lines)).toEqual([1, 2, 1]);
    // The server numbers the part's lines from 1 (the header); line 3 of part 2 is dev-2, line 5 of the file.
    const second = chunks[1]!.text.split('\n');
    expect(second[0]).toBe('endpoint,clearance');
    expect(second[1]).toBe('dev-2,x');
    expect(2 + chunks[1]!.lineOffset).toBe(5);
  });
});
