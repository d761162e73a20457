import { describe, expect, it } from 'vitest';
import { type FramerEvent, type SipRequest, StreamFramer, serialize } from '../src/index.js';
import { text } from './helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const msg = (n: number, body = '') =>
  `MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP a;branch=z9hG4bK${n}\r\nCSeq: ${n} MESSAGE\r\nContent-Length: ${enc(body).length}\r\n\r\n${body}`;

function kinds(events: FramerEvent[]): string[] {
  return events.map((e) => (e.type === 'message' ? `msg:${(e.message as SipRequest).cseq?.seq}` : e.type));
}

describe('stream framing (RFC 3261 §18.3)', () => {
  it('yields whole messages from one chunk holding several', () => {
    const f = new StreamFramer();
    const ev = f.push(enc(msg(1, 'hello') + msg(2) + msg(3, 'żółw')));
    expect(kinds(ev)).toEqual(['msg:1', 'msg:2', 'msg:3']);
    expect(ev.map((e) => (e.type === 'message' ? text(e.message.body) : ''))).toEqual(['hello', '', 'żółw']);
    expect(f.buffered).toBe(0);
  });

  it('yields the same messages whatever the chunk size, down to one byte', () => {
    const all = enc(msg(1, 'a body\r\n\r\nwith an empty line') + msg(2) + msg(3, 'x'));
    for (const size of [1, 2, 3, 7, 64]) {
      const f = new StreamFramer();
      const ev: FramerEvent[] = [];
      for (let i = 0; i < all.length; i += size) ev.push(...f.push(all.subarray(i, i + size)));
      expect(kinds(ev), `chunk ${size}`).toEqual(['msg:1', 'msg:2', 'msg:3']);
      const first = ev[0];
      expect(first?.type === 'message' && text(first.message.body)).toBe('a body\r\n\r\nwith an empty line');
    }
  });

  it('does not keep a view of its buffer: a message survives later chunks', () => {
    const f = new StreamFramer();
    const [first] = f.push(enc(msg(1, 'keep me')));
    f.push(enc(msg(2, 'overwrite?')));
    expect(first?.type === 'message' && text(serialize(first.message))).toBe(msg(1, 'keep me'));
  });

  it('keeps each message whole while its buffer is compacted, grown and reused', () => {
    const big = 'x'.repeat(5000); // past the framer's first buffer: it grows while the body arrives
    const stream = enc(msg(1, 'one') + msg(2, big) + msg(3) + msg(4, 'four'));
    for (const size of [5, 100, 1000, 4096]) {
      const f = new StreamFramer();
      const got: SipRequest[] = [];
      for (let i = 0; i < stream.length; i += size) {
        for (const e of f.push(stream.slice(i, i + size))) if (e.type === 'message') got.push(e.message as SipRequest);
      }
      expect(
        got.map((m) => text(serialize(m))),
        `chunk ${size}`,
      ).toEqual([msg(1, 'one'), msg(2, big), msg(3), msg(4, 'four')]);
      expect(got.map((m) => m.get('Via'))).toEqual([1, 2, 3, 4].map((n) => `SIP/2.0/TCP a;branch=z9hG4bK${n}`));
    }
  });

  it('reports a double-CRLF ping and a single-CRLF pong between messages (RFC 5626 §3.5.1)', () => {
    const f = new StreamFramer();
    expect(kinds(f.push(enc('\r\n\r\n')))).toEqual(['ping']);
    expect(kinds(f.push(enc('\r\n')))).toEqual(['pong']);
    expect(kinds(f.push(enc(`\r\n\r\n${msg(1)}\r\n\r\n`)))).toEqual(['ping', 'msg:1', 'ping']);
    expect(kinds(f.push(enc(`\r\n${msg(2)}`)))).toEqual(['pong', 'msg:2']);
  });

  it('refuses a message without Content-Length and stops (§18.3 MUST)', () => {
    const f = new StreamFramer();
    const ev = f.push(enc('OPTIONS sip:b SIP/2.0\r\nVia: SIP/2.0/TCP a;branch=z9hG4bK1\r\n\r\n'));
    expect(ev).toHaveLength(1);
    const [e] = ev;
    expect(e?.type === 'error' && e.error.code).toBe('MISSING_CONTENT_LENGTH');
    expect(e?.type === 'error' && e.error.partial?.topVia?.branch).toBe('z9hG4bK1');
    expect(f.failed).toBe(true);
    expect(f.push(enc(msg(1)))).toEqual([]);
  });

  it('refuses garbage with an error event, never a throw', () => {
    const f = new StreamFramer();
    const ev = f.push(enc('\x00\x01garbage\r\n\r\n'));
    expect(ev.map((e) => e.type)).toEqual(['error']);
  });

  it('bounds what it buffers: a header section that never ends is refused at maxMessageSize', () => {
    const f = new StreamFramer({ limits: { maxMessageSize: 1000, maxLineLength: 100000 } });
    const ev: FramerEvent[] = [];
    ev.push(...f.push(enc('OPTIONS sip:b SIP/2.0\r\nX: ')));
    for (let i = 0; i < 100 && ev.length === 0; i++) ev.push(...f.push(enc('a'.repeat(50))));
    expect(ev.map((e) => e.type === 'error' && e.error.code)).toEqual(['MESSAGE_TOO_LARGE']);
    expect(f.buffered).toBe(0);
  });

  it('refuses a Content-Length beyond maxMessageSize before any body arrives', () => {
    const f = new StreamFramer({ limits: { maxMessageSize: 1000 } });
    const ev = f.push(enc('MESSAGE sip:b SIP/2.0\r\nContent-Length: 999999\r\n\r\n'));
    expect(ev.map((e) => e.type === 'error' && e.error.code)).toEqual(['INVALID_CONTENT_LENGTH']);
  });

  it('refuses a Content-Length that fits the limit only without its head', () => {
    const f = new StreamFramer({ limits: { maxMessageSize: 100 } });
    const ev = f.push(enc('MESSAGE sip:b SIP/2.0\r\nContent-Length: 90\r\n\r\n'));
    expect(ev.map((e) => e.type === 'error' && e.error.code)).toEqual(['MESSAGE_TOO_LARGE']);
  });
});
