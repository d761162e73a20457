// The hash functions against the published vectors and against Node's OpenSSL on random inputs, and the nonce MAC built on them.
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, utf8 } from '../src/internal/bytes.js';
import { md5 } from '../src/internal/md5.js';
import { NonceBook } from '../src/internal/nonce.js';
import { hmacSha256, sha256, sha256After, sha256Midstate } from '../src/internal/sha256.js';
import { SHA512_256_IV, SHA512_IV, sha512, sha512_256, sha512Core } from '../src/internal/sha512.js';

const ascii = (s: string) => utf8(s);
const nodeHash = (name: string, data: Uint8Array) => createHash(name).update(data).digest('hex');
const bytes = fc.uint8Array({ minLength: 0, maxLength: 600 });

describe('MD5 (RFC 1321)', () => {
  it('gives the digests of the RFC 1321 §A.5 test suite', () => {
    const suite: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
    ];
    for (const [input, digest] of suite) expect(hex(md5(ascii(input))), input).toBe(digest);
  });

  it('agrees with node:crypto on random inputs, every length around the block boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const data = crypto.getRandomValues(new Uint8Array(n));
      expect(hex(md5(data)), `length ${n}`).toBe(nodeHash('md5', data));
    }
    fc.assert(fc.property(bytes, (data) => hex(md5(data)) === nodeHash('md5', data)));
  });
});

describe('SHA-256 (FIPS 180-4)', () => {
  it('gives the digests of the FIPS 180 examples', () => {
    expect(hex(sha256(ascii('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256(ascii('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('agrees with node:crypto on random inputs, every length around the block boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const data = crypto.getRandomValues(new Uint8Array(n));
      expect(hex(sha256(data)), `length ${n}`).toBe(nodeHash('sha256', data));
    }
    fc.assert(fc.property(bytes, (data) => hex(sha256(data)) === nodeHash('sha256', data)));
  });

  it('continues from the state after a 64-byte prefix as if it had hashed the whole', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ maxLength: 200 }),
        (prefix, rest) => {
          const state = sha256Midstate(prefix);
          const whole = nodeHash('sha256', new Uint8Array([...prefix, ...rest]));
          // Twice from one state: it is not consumed.
          return hex(sha256After(state, rest)) === whole && hex(sha256After(state, rest)) === whole;
        },
      ),
    );
  });

  it('hashes a view into a larger buffer by its own bytes only', () => {
    const big = crypto.getRandomValues(new Uint8Array(300));
    const view = big.subarray(37, 237);
    expect(hex(sha256(view))).toBe(nodeHash('sha256', view));
    expect(hex(md5(view))).toBe(nodeHash('md5', view));
    expect(hex(sha512_256(view))).toBe(nodeHash('sha512-256', view));
  });
});

describe('SHA-512 and SHA-512/256 (FIPS 180-4)', () => {
  it('gives the digests of the FIPS 180 examples', () => {
    expect(hex(sha512(ascii('abc')))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(hex(sha512_256(ascii('abc')))).toBe('53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
    const twoBlocks =
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu';
    expect(hex(sha512_256(ascii(twoBlocks)))).toBe('3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a');
  });

  it('derives the SHA-512/256 initial value with the SHA-512/t IV generation function (§5.3.6)', () => {
    const xored = SHA512_IV.map((w) => (w ^ 0xa5a5a5a5) | 0);
    const iv = sha512Core(xored, ascii('SHA-512/256'));
    const words = [...Array(16).keys()].map((i) => new DataView(iv.buffer).getInt32(i * 4));
    expect(words).toEqual(SHA512_256_IV.map((w) => w | 0));
  });

  it('agrees with node:crypto on random inputs, every length around the block boundaries', () => {
    for (let n = 0; n <= 300; n++) {
      const data = crypto.getRandomValues(new Uint8Array(n));
      expect(hex(sha512(data)), `length ${n}`).toBe(nodeHash('sha512', data));
      expect(hex(sha512_256(data)), `length ${n}`).toBe(nodeHash('sha512-256', data));
    }
    fc.assert(fc.property(bytes, (data) => hex(sha512_256(data)) === nodeHash('sha512-256', data)));
  });
});

describe('HMAC-SHA-256 (RFC 2104)', () => {
  it('gives the MACs of RFC 4231 test cases 1, 2 and 6', () => {
    expect(hex(hmacSha256(new Uint8Array(20).fill(0x0b), ascii('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    expect(hex(hmacSha256(ascii('Jefe'), ascii('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    // A key longer than the block is hashed first (RFC 2104 §2).
    expect(
      hex(hmacSha256(new Uint8Array(131).fill(0xaa), ascii('Test Using Larger Than Block-Size Key - Hash Key First'))),
    ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('agrees with node:crypto on random keys and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), bytes, (key, data) => {
        return hex(hmacSha256(key, data)) === createHmac('sha256', key).update(data).digest('hex');
      }),
    );
  });
});

describe('NonceBook', () => {
  it('signs with HMAC-SHA-256 (RFC 2104) over the payload and realm, as hmacSha256 computes it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 100 }), fc.string(), (key, realm) => {
        const signer = new NonceBook(key);
        const nonce = signer.mint(realm, 1_700_000_000_000);
        const bytes = Buffer.from(nonce, 'base64url');
        const mac = hmacSha256(key, new Uint8Array([...bytes.subarray(0, 14), ...new TextEncoder().encode(realm)]));
        return (
          Buffer.from(mac.subarray(0, 16)).equals(bytes.subarray(14)) &&
          signer.check(realm, nonce) === 1_700_000_000_000
        );
      }),
    );
  });

  it('checks the nonces in its ring without hashing, and older ones by their MAC', () => {
    const signer = new NonceBook(new Uint8Array(16).fill(7), { capacity: 4096 });
    const first = signer.mint('example.com', 5_000);
    expect(signer.macs).toBe(1);
    expect(signer.check('example.com', first)).toBe(5_000);
    expect(signer.macs).toBe(1);
    // Not for another realm, even from the ring.
    expect(signer.check('example.org', first)).toBeUndefined();
    // 4,096 nonces later the first has left the ring: its MAC still proves it.
    for (let i = 0; i < 4096; i++) signer.mint('example.com', 6_000);
    const before = signer.macs;
    expect(signer.check('example.com', first)).toBe(5_000);
    expect(signer.macs).toBe(before + 1);
    // A nonce altered in one character is refused either way.
    const last = signer.mint('example.com', 7_000);
    const altered = `${last.slice(0, -1)}${last.endsWith('A') ? 'B' : 'A'}`;
    expect(signer.check('example.com', altered)).toBeUndefined();
    // So is one whose slot characters were changed to point at another nonce of the ring.
    const other = signer.mint('example.com', 7_000);
    expect(signer.check('example.com', `${last.slice(0, 8)}${other.slice(8, 12)}${last.slice(12)}`)).toBeUndefined();
  });

  it('tracks nonce-counts in its ring, and never takes a used nonce that left it for a new one', () => {
    const book = new NonceBook(new Uint8Array(16).fill(3), { capacity: 3_000, ttlMs: 1_000_000 });
    const nonces: string[] = [];
    for (let i = 0; i < 3_000; i++) nonces.push(book.mint('r', 1_000 + i));
    // 3,000 > the ring's first size (1,024): it grew, and every nonce is still in it.
    for (let i = 0; i < 3_000; i++) expect(book.use(nonces[i] as string, 1_000 + i, 1, 5_000)).toBe('ok');
    expect(book.size).toBe(3_000);
    expect(book.use(nonces[10] as string, 1_010, 1, 5_000)).toBe('replay');
    expect(book.use(nonces[10] as string, 1_010, 2, 5_000)).toBe('ok');
    expect(book.use(nonces[10] as string, 1_010, 2, 5_000)).toBe('replay');
    // 100 more mints take the first 100 slots: those used nonces are forgotten, not new.
    for (let i = 0; i < 100; i++) book.mint('r', 4_000 + i);
    expect(book.size).toBe(2_900);
    expect(book.check('r', nonces[10] as string)).toBe(1_010);
    expect(book.use(nonces[10] as string, 1_010, 3, 5_000)).toBe('forgotten');
    expect(book.use(nonces[99] as string, 1_099, 2, 5_000)).toBe('forgotten');
    expect(book.use(nonces[100] as string, 1_100, 2, 5_000)).toBe('ok');
  });

  it('tracks the nonce-counts of nonces another instance minted with the same secret', () => {
    const key = new Uint8Array(16).fill(4);
    const a = new NonceBook(key);
    const b = new NonceBook(key);
    const nonce = a.mint('r', 1_000);
    expect(b.check('r', nonce)).toBe(1_000);
    expect(b.use(nonce, 1_000, 1, 2_000)).toBe('ok');
    expect(b.use(nonce, 1_000, 1, 2_000)).toBe('replay');
    expect(b.size).toBe(1);
    // Each instance counts on its own (see DigestServer's documentation).
    expect(a.use(nonce, 1_000, 1, 2_000)).toBe('ok');
  });

  it('forgets a used nonce that expired when it left the ring without raising its watermark', () => {
    const book = new NonceBook(new Uint8Array(16).fill(5), { capacity: 2, ttlMs: 1_000 });
    const old = book.mint('r', 0);
    expect(book.use(old, 0, 1, 10)).toBe('ok');
    book.mint('r', 1_500);
    const third = book.mint('r', 1_600); // takes the slot of `old`, which had expired
    const another = new NonceBook(new Uint8Array(16).fill(5)).mint('r', 1_200);
    // Issued after the (unraised) watermark and never seen: a first use.
    expect(book.use(another, 1_200, 1, 1_700)).toBe('ok');
    expect(book.use(third, 1_600, 1, 1_700)).toBe('ok');
  });

  it('refuses a nonce for another realm or made under another secret', () => {
    const a = new NonceBook(new Uint8Array(16).fill(1));
    const b = new NonceBook(new Uint8Array(16).fill(2));
    const nonce = a.mint('example.com', 1_000);
    expect(a.check('example.com', nonce)).toBe(1_000);
    expect(a.check('example.org', nonce)).toBeUndefined();
    expect(b.check('example.com', nonce)).toBeUndefined();
  });
});
