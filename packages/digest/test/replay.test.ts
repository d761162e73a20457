// The nonce-count table behind replay detection (RFC 7616 §3.4): bounded, oldest out first.
import { describe, expect, it } from 'vitest';
import { NonceCounts } from '../src/internal/replay.js';

const nonce = (i: number) => `nonce-number-${String(i).padStart(8, '0')}`;

describe('NonceCounts', () => {
  it('turns over far more nonces than it holds, evicting the oldest first', () => {
    // 3,000 > the ring's first size (1,024): it grows, then turns over 20,000 nonces.
    const counts = new NonceCounts(3_000, 1_000_000);
    for (let i = 0; i < 20_000; i++) expect(counts.use(nonce(i), i, 1, 20_000)).toBe('ok');
    expect(counts.size).toBe(3_000);
    // The newest 3,000 are held: a second use of the same count is a replay, a higher one is not.
    expect(counts.use(nonce(19_999), 19_999, 1, 20_000)).toBe('replay');
    expect(counts.use(nonce(17_000), 17_000, 2, 20_000)).toBe('ok');
    // An evicted one is never accepted as new: it was issued before the watermark.
    expect(counts.use(nonce(16_999), 16_999, 2, 20_000)).toBe('forgotten');
    expect(counts.use(nonce(5), 5, 1, 20_000)).toBe('forgotten');
  });

  it('drops expired entries first, without raising the watermark', () => {
    const counts = new NonceCounts(10, 1_000);
    for (let i = 0; i < 5; i++) counts.use(nonce(i), i * 100, 1, i * 100);
    // At 1,250 the first three (issued 0, 100, 200) have expired.
    expect(counts.use(nonce(10), 1_200, 1, 1_250)).toBe('ok');
    expect(counts.size).toBe(3);
    // Still within its lifetime and issued after the (unraised) watermark: a nonce never seen.
    expect(counts.use(nonce(11), 300, 1, 1_250)).toBe('ok');
  });
});
