// RFC 4475 "SIP Torture Test Messages": every message of the bit-exact archive, checked against
// what ../shared/conformance/rfc4475/index.json says a strict stack must do with it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createResponse,
  type NameAddr,
  parseMessage,
  type RequestValidationOptions,
  SipParseError,
  type SipRequest,
  type SipResponse,
  salvageRequest,
  serialize,
  validateRequest,
  validateResponse,
} from '../src/index.js';

interface Entry {
  name: string;
  section: string;
  title: string;
  file: string;
  kind: 'request' | 'response';
  expect: 'parse' | 'reject' | 'parse-then-400';
  response: number | null;
  note: string;
  sha256: string;
}

const dir = new URL('./fixtures/rfc4475/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as Entry[];
const bytes = (e: Entry) => new Uint8Array(readFileSync(new URL(e.file, dir)));

// A UAS that implements the RFC 3261 core methods and MESSAGE, serves sip/sips/tel, supports no
// extensions, understands SDP and multipart bodies, and answers with SDP.
const UAS: RequestValidationOptions = {
  methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'MESSAGE'],
  schemes: ['sip', 'sips', 'tel'],
  supported: [],
  contentTypes: ['application/sdp', 'multipart/mixed'],
  produces: ['application/sdp'],
};
// Statuses the generic validation can decide; the others in index.json are application choices
// (a registrar's 400 for a non-SIP To in unksm2).
const GENERIC = new Set([415, 416, 420, 406, 501, 505]);

function contactsOf(m: SipRequest | SipResponse): readonly NameAddr[] {
  const c = m.contacts;
  if (c === '*') throw new Error('unexpected Contact: *');
  return c;
}

function validate(m: SipRequest | SipResponse) {
  return m.isRequest ? validateRequest(m, UAS) : validateResponse(m);
}

describe('RFC 4475 torture messages', () => {
  it('has all 49 messages, bit-exact', () => {
    expect(index).toHaveLength(49);
    for (const e of index) expect(createHash('sha256').update(bytes(e)).digest('hex'), e.name).toBe(e.sha256);
  });

  describe.each(index.filter((e) => e.expect === 'parse'))('§$section $name: $title', (e) => {
    it('parses, and validation does not call it malformed', () => {
      const m = parseMessage(bytes(e));
      expect(m.isRequest).toBe(e.kind === 'request');
      const r = validate(m);
      if (e.response !== null && GENERIC.has(e.response)) {
        expect(r.status, JSON.stringify(r.problems)).toBe(e.response);
      } else {
        expect(r.problems).toEqual([]);
      }
    });

    it('serialises back byte for byte, Content-Length following the body (RFC 3261 §18.3)', () => {
      const input = bytes(e);
      const m = parseMessage(input);
      const out = serialize(m);
      const reparsed = parseMessage(out);
      expect(reparsed.body).toEqual(m.body);
      if (m.has('Content-Length')) {
        // Every field copied as it came; octets after the body (dblreq) are dropped.
        expect(Buffer.from(out).equals(Buffer.from(input.subarray(0, out.length)))).toBe(true);
      } else {
        // RFC 2543 style (inv2543): the fields come out as they were, plus a Content-Length.
        expect([...reparsed.fields()]).toEqual([
          ...m.fields(),
          { name: 'Content-Length', value: String(m.body.length) },
        ]);
      }
    });
  });

  describe.each(index.filter((e) => e.expect === 'reject'))('§$section $name: $title', (e) => {
    it(`is refused (${e.note.slice(0, 60)}…)`, () => {
      let m: SipRequest | SipResponse;
      try {
        m = parseMessage(bytes(e));
      } catch (err) {
        expect(err).toBeInstanceOf(SipParseError);
        expect((err as SipParseError).code).toMatch(/^[A-Z_]+$/);
        return;
      }
      const r = validate(m);
      expect(r.ok).toBe(false);
      if (e.kind === 'request') expect(r.status).toBe(e.response);
    });
  });

  describe.each(index.filter((e) => e.expect === 'parse-then-400'))('§$section $name: $title', (e) => {
    it('parses, then validation answers 400', () => {
      const m = parseMessage(bytes(e));
      const r = validate(m);
      expect(r.status, JSON.stringify(r.problems)).toBe(400);
    });
  });
});

describe('RFC 4475 details', () => {
  const get = (name: string) => parseMessage(bytes(index.find((e) => e.name === name) as Entry));

  it('§3.1.1.1 wsinv: folding, LWS and odd case all resolve to the same values', () => {
    const m = get('wsinv') as SipRequest;
    expect(m.to?.tag).toBe('1918181833n');
    expect(m.from?.displayName).toBe('J Rosenberg \\"');
    expect(m.from?.tag).toBe('98asjd8');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.get('Subject')).toBe('');
    expect(m.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    const [contact] = contactsOf(m);
    expect(contact?.displayName).toBe('Quoted string ""');
    expect(contact?.params.get('q')).toBe('0.33');
    expect(m.routes[0]?.uriText).toBe('sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    expect(m.body.length).toBe(150);
  });

  it('§3.1.1.2 intmeth: extension method and raw control octets in a quoted display name', () => {
    const m = get('intmeth') as SipRequest;
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.cseq?.method).toBe(m.method);
    expect(m.to?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(m.from?.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.from?.params.get("fromParam''~+*_!.-%")).toBe('работающий');
    expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(m.get("extensionHeader-!.%*+_`'~")).toBe('\u{FEFF}大停電');
    const uri = m.requestUri;
    expect(uri.kind === 'sip' && [uri.user, uri.password]).toEqual([
      "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
      "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
    ]);
  });

  it('§3.1.1.3 esc01: escapes are resolved exactly once', () => {
    const m = get('esc01') as SipRequest;
    const r = m.requestUri;
    expect(r.kind === 'sip' && r.user).toBe('sips:user@example.com');
    const to = m.to?.uri;
    expect(to?.kind === 'sip' && to.user).toBe('user');
    const c = contactsOf(m)[0]?.uri;
    expect(c?.kind === 'sip' && [c.params.get('name'), c.params.get('lr')]).toEqual(['value%41', null]);
  });

  it('§3.1.1.4 escnull: %00 does not truncate, and the two Contacts differ', () => {
    const m = get('escnull');
    const users = contactsOf(m).map((c) => c.uri.kind === 'sip' && c.uri.user);
    expect(users).toEqual(['\x00', '\x00\x00']);
  });

  it('§3.1.1.5 esc02: "C%6Fntact" is an extension header, not Contact', () => {
    const m = get('esc02');
    expect(contactsOf(m)).toHaveLength(2);
    expect(m.get('C%6Fntact')).toBeDefined();
  });

  it('§3.1.1.8 dblreq: octets past Content-Length are dropped', () => {
    const m = get('dblreq') as SipRequest;
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
    expect(new TextDecoder().decode(serialize(m))).not.toContain('INVITE');
  });

  it('§3.1.1.9 semiuri: ";" inside the userinfo belongs to the user', () => {
    const r = (get('semiuri') as SipRequest).requestUri;
    expect(r.kind === 'sip' && [r.user, r.host, r.params.size]).toEqual(['user;par=u@example.net', 'example.com', 0]);
  });

  it('§3.1.1.11 mpart01: a binary body is framed by Content-Length alone', () => {
    const m = get('mpart01');
    expect(m.body.length).toBe(553);
    expect(m.contentType?.params.get('boundary')).toBe('7a9cbec02ceef655');
  });

  it('§3.1.1.12 unreason: the reason phrase is UTF-8', () => {
    const m = get('unreason') as SipResponse;
    expect(m.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
  });

  it('§3.1.1.13 noreason: an empty reason phrase', () => {
    const m = get('noreason') as SipResponse;
    expect([m.status, m.reason]).toEqual([100, '']);
  });

  it('§3.1.2.2 clerr: a Content-Length beyond the datagram is an error, with the head kept for a 400', () => {
    try {
      get('clerr');
      expect.unreachable();
    } catch (e) {
      expect((e as SipParseError).code).toBe('BODY_TRUNCATED');
      expect((e as SipParseError).partial?.callId).toBeDefined();
    }
  });

  it('§3.3.15 inv2543: without Content-Length the body is the rest of the datagram', () => {
    expect(get('inv2543').body.length).toBe(105);
  });

  it('§3.3.8 cparam01/02: addr-spec params belong to the header, bracketed ones to the URI', () => {
    const where = (name: string) => {
      const c = contactsOf(get(name))[0] as NameAddr;
      return [c.params.has('unknownparam'), c.uri.kind === 'sip' && c.uri.params.has('unknownparam')];
    };
    expect(where('cparam01')).toEqual([true, false]);
    expect(where('cparam02')).toEqual([false, true]);
  });
});

describe('RFC 4475 §3.1.2: a malformed request with a usable start line and Via gets a 400', () => {
  const rejected = index.filter((e) => e.kind === 'request' && e.expect !== 'parse' && e.response === 400);

  it.each(rejected.map((e) => [e.name, e] as const))(
    '%s: salvageRequest gives a request a 400 can answer',
    (_name, e) => {
      const req = salvageRequest(bytes(e));
      expect(req, e.name).toBeDefined();
      const res = createResponse(req as SipRequest, 400);
      const wire = parseMessage(serialize(res)) as SipResponse;
      expect(wire.status).toBe(400);
      // §8.2.6.2: the Via fields come back as the request had them, with Call-ID and CSeq.
      expect(wire.getAll('Via').length).toBeGreaterThan(0);
      expect(wire.get('Call-ID')).toBe((req as SipRequest).get('Call-ID'));
    },
  );

  it('gives nothing for a response or for bytes with no Via', () => {
    const bigcode = index.find((e) => e.name === 'bigcode') as Entry;
    expect(salvageRequest(bytes(bigcode))).toBeUndefined();
    expect(salvageRequest('INVITE <sip:x> SIP/2.0\r\nTo: <sip:x>\r\n\r\n')).toBeUndefined();
    expect(salvageRequest('\x00\x01\x02')).toBeUndefined();
  });
});
