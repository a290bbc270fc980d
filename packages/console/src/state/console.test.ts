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
