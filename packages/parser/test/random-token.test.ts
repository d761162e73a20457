// randomToken: hex of fresh random bytes, none handed out twice (the pool refills every 4 KiB).
import { describe, expect, it } from 'vitest';
import { randomToken } from '../src/index.js';

describe('randomToken', () => {
  it('gives `bytes` random bytes in lowercase hex, 8 by default', () => {
    expect(randomToken()).toMatch(/^[0-9a-f]{16}$/);
    expect(randomToken(3)).toMatch(/^[0-9a-f]{6}$/);
    expect(randomToken(0)).toBe('');
  });

  it('never repeats across many pool refills, and every byte value turns up', () => {
    const seen = new Set<string>();
    const bytes = new Set<string>();
    // 10,000 × 8 bytes: about twenty refills of the 4 KiB pool.
    for (let i = 0; i < 10_000; i++) {
      const t = randomToken();
      seen.add(t);
      for (let k = 0; k < 16; k += 2) bytes.add(t.slice(k, k + 2));
    }
    expect(seen.size).toBe(10_000);
    expect(bytes.size).toBe(256);
  });
});
