import { describe, expect, it } from 'vitest';
import { ConnectionTable } from '../src/index.js';

describe('the connection table (RFC 3261 §18 connection reuse)', () => {
  it('finds a connection by flow id, and by remote address and port for reuse', () => {
    const t = new ConnectionTable<string>({ prefix: 'tcp' });
    const f1 = t.add('c1', { address: '192.0.2.1', port: 5060 });
    const f2 = t.add('c2', { address: '192.0.2.2', port: 5060 });
    expect([f1, f2]).toEqual(['tcp-1', 'tcp-2']);
    expect(t.find({ address: '192.0.2.9', port: 1 }, 'tcp-2')).toBe('c2');
    expect(t.find({ address: '192.0.2.1', port: 5060 })).toBe('c1');
    expect(t.find({ address: '192.0.2.1', port: 5061 })).toBeUndefined();
    t.remove('tcp-1');
    expect(t.find({ address: '192.0.2.1', port: 5060 })).toBeUndefined();
    expect([...t.connections()]).toEqual(['c2']);
  });

  it('refuses connections past the total and the per-address limits, and frees them on removal', () => {
    const t = new ConnectionTable<number>({ maxConnections: 3, maxPerAddress: 2 });
    expect(t.add(1, { address: '192.0.2.1', port: 1 })).toBeDefined();
    expect(t.add(2, { address: '192.0.2.1', port: 2 })).toBeDefined();
    expect(t.add(3, { address: '192.0.2.1', port: 3 })).toBeUndefined();
    const f = t.add(4, { address: '192.0.2.2', port: 1 });
    expect(t.add(5, { address: '192.0.2.3', port: 1 })).toBeUndefined();
    t.remove(f as string);
    expect(t.add(6, { address: '192.0.2.3', port: 1 })).toBeDefined();
    expect(t.size).toBe(3);
  });
});
