// One adapter per library. Each adapter turns a corpus string into the input that library gets
// in production (prepared once, outside the timing loop) and has two functions that are timed:
//
//   full(input)    parse, then read: start line, top Via branch, From tag, To tag, Call-ID,
//                  CSeq number and method, and the parsed URI of the first Contact (if any)
//   minimal(input) parse, then read: start line, top Via branch, Call-ID, CSeq number and method
//
// Both return a plain object of the values read; the harness checks those values against the
// corpus once before timing, and sinks them while timing. Each library reads the fields the way
// its own users do (see the notes).

import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function version(pkg) {
  return require(`${pkg}/package.json`).version;
}

/** When packages/parser/dist was last written (the benchmark measures dist as built). */
function distBuiltAt() {
  try {
    const dist = dirname(fileURLToPath(import.meta.resolve('@sipkit/parser')));
    let newest = 0;
    for (const f of readdirSync(dist, { recursive: true })) {
      if (String(f).endsWith('.js')) newest = Math.max(newest, statSync(join(dist, String(f))).mtimeMs);
    }
    return newest > 0 ? new Date(newest).toISOString() : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** @sipkit/parser: bytes in, typed accessors parsed on first access. */
async function sipkit() {
  const { parseMessage } = await import('@sipkit/parser');
  return {
    id: 'sipkit',
    label: '@sipkit/parser',
    version: `${version('@sipkit/parser')} (workspace, dist last built ${distBuiltAt()})`,
    input: 'Buffer (UTF-8 bytes, as from a UDP socket)',
    notes: [
      'parseMessage(buf) indexes header fields; m.topVia, m.from, m.to, m.callId, m.cseq, m.contacts parse lazily on first access',
      'contact URI: m.contacts[0].uri (parsed on access)',
    ],
    prepare: (text) => Buffer.from(text, 'utf8'),
    full(input) {
      const m = parseMessage(input);
      const cs = m.cseq;
      const contacts = m.contacts;
      let contact = null;
      if (contacts !== '*' && contacts.length > 0) {
        const u = contacts[0].uri;
        contact = { user: u.user, host: u.host, port: u.port };
      }
      return {
        isRequest: m.isRequest,
        method: m.isRequest ? m.method : undefined,
        status: m.isRequest ? undefined : m.status,
        branch: m.topVia?.branch,
        fromTag: m.from?.tag,
        toTag: m.to?.tag,
        callId: m.callId,
        cseqSeq: cs?.seq,
        cseqMethod: cs?.method,
        contact,
      };
    },
    minimal(input) {
      const m = parseMessage(input);
      const cs = m.cseq;
      return {
        status: m.isRequest ? undefined : m.status,
        branch: m.topVia?.branch,
        callId: m.callId,
        cseqSeq: cs?.seq,
        cseqMethod: cs?.method,
      };
    },
  };
}

/** `sip` (kirm/sip.js, npm name `sip`): regex-based, parses the known headers eagerly. */
async function sip() {
  const lib = require('sip');
  const asString = process.env.BENCH_SIP_INPUT === 'string';
  return {
    id: 'sip',
    label: 'sip',
    version: version('sip'),
    input: asString
      ? 'string (BENCH_SIP_INPUT=string)'
      : "Buffer (its UDP transport hands the datagram Buffer to parse(), which calls toString('binary'))",
    notes: [
      'sip.parse(data) parses Via, From, To, Contact, CSeq, Route/Record-Route (with URIs), WWW-Authenticate eagerly; Contact URIs stay strings',
      'fields: m.headers.via[0].params.branch, m.headers.from.params.tag, m.headers.to.params.tag, m.headers["call-id"], m.headers.cseq.{seq,method}',
      'contact URI: sip.parseUri(m.headers.contact[0].uri)',
    ],
    prepare: asString ? (text) => text : (text) => Buffer.from(text, 'utf8'),
    full(input) {
      const m = lib.parse(input);
      if (m === undefined) throw new Error('sip.parse() returned undefined (message rejected)');
      const h = m.headers;
      let contact = null;
      const c = h.contact;
      if (c !== undefined && c !== '*' && c.length > 0) {
        const u = lib.parseUri(c[0].uri);
        contact = { user: u.user, host: u.host, port: u.port };
      }
      return {
        isRequest: m.method !== undefined,
        method: m.method,
        status: m.status,
        branch: h.via[0].params.branch,
        fromTag: h.from.params.tag,
        toTag: h.to.params.tag,
        callId: h['call-id'],
        cseqSeq: h.cseq.seq,
        cseqMethod: h.cseq.method,
        contact,
      };
    },
    minimal(input) {
      const m = lib.parse(input);
      if (m === undefined) throw new Error('sip.parse() returned undefined (message rejected)');
      const h = m.headers;
      return {
        status: m.status,
        branch: h.via[0].params.branch,
        callId: h['call-id'],
        cseqSeq: h.cseq.seq,
        cseqMethod: h.cseq.method,
      };
    },
  };
}

/** JsSIP: PEG grammar; lib/Parser.js parses the known headers eagerly into IncomingMessage. */
async function jssip() {
  const Parser = require('jssip/lib/Parser');
  const { IncomingRequest } = require('jssip/lib/SIPMessage');
  // parseMessage(data, ua) only stores `ua` on IncomingRequest (used later by reply()); the
  // parser itself never reads it, so an empty object is the minimum it needs.
  const ua = {};
  return {
    id: 'jssip',
    label: 'jssip',
    version: version('jssip'),
    input: 'string (its WebSocket transport hands text frames to Parser.parseMessage)',
    notes: [
      "require('jssip/lib/Parser').parseMessage(str, ua) with ua = {} (only stored on requests); parses top Via, From, To, Call-ID, CSeq, Contact (URIs included), Record-Route, Content-Type, Max-Forwards, WWW-Authenticate eagerly",
      "fields: m.via_branch, m.from_tag, m.to_tag, m.call_id, m.cseq, m.parseHeader('cseq').method (cached)",
      "contact URI: m.parseHeader('contact').uri (already parsed by parseMessage)",
    ],
    prepare: (text) => text,
    full(input) {
      const m = Parser.parseMessage(input, ua);
      if (m === undefined) throw new Error('Parser.parseMessage() returned undefined (message rejected)');
      const isRequest = m instanceof IncomingRequest;
      const ct = m.parseHeader('contact');
      let contact = null;
      if (ct !== undefined) {
        const u = ct.uri;
        contact = { user: u.user, host: u.host, port: u.port };
      }
      return {
        isRequest,
        method: isRequest ? m.method : undefined,
        status: isRequest ? undefined : m.status_code,
        branch: m.via_branch,
        fromTag: m.from_tag,
        toTag: m.to_tag,
        callId: m.call_id,
        cseqSeq: m.cseq,
        cseqMethod: m.parseHeader('cseq').method,
        contact,
      };
    },
    minimal(input) {
      const m = Parser.parseMessage(input, ua);
      if (m === undefined) throw new Error('Parser.parseMessage() returned undefined (message rejected)');
      return {
        status: m.status_code,
        branch: m.via_branch,
        callId: m.call_id,
        cseqSeq: m.cseq,
        cseqMethod: m.parseHeader('cseq').method,
      };
    },
  };
}

/** SIP.js 0.21: the same PEG-grammar design as JsSIP (its ancestor), in its core Parser. */
async function sipjs() {
  const { Parser, IncomingRequestMessage, LoggerFactory } = await import('sip.js/lib/core/index.js');
  const logger = new LoggerFactory().getLogger('sip.Parser');
  return {
    id: 'sipjs',
    label: 'sip.js',
    version: version('sip.js'),
    input: 'string (its WebSocket transport hands text frames to Parser.parseMessage)',
    notes: [
      "import { Parser } from 'sip.js/lib/core/index.js'; Parser.parseMessage(str, logger) with a LoggerFactory logger, as UserAgent.onTransportMessage does; parses the same headers as JsSIP eagerly",
      "fields: m.viaBranch, m.fromTag, m.toTag, m.callId, m.cseq, m.parseHeader('cseq').method (cached)",
      "contact URI: m.parseHeader('contact').uri (already parsed by parseMessage)",
    ],
    prepare: (text) => text,
    full(input) {
      const m = Parser.parseMessage(input, logger);
      if (m === undefined) throw new Error('Parser.parseMessage() returned undefined (message rejected)');
      const isRequest = m instanceof IncomingRequestMessage;
      const ct = m.parseHeader('contact');
      let contact = null;
      if (ct !== undefined) {
        const u = ct.uri;
        contact = { user: u.user, host: u.host, port: u.port };
      }
      return {
        isRequest,
        method: isRequest ? m.method : undefined,
        status: isRequest ? undefined : m.statusCode,
        branch: m.viaBranch,
        fromTag: m.fromTag,
        toTag: m.toTag,
        callId: m.callId,
        cseqSeq: m.cseq,
        cseqMethod: m.parseHeader('cseq').method,
        contact,
      };
    },
    minimal(input) {
      const m = Parser.parseMessage(input, logger);
      if (m === undefined) throw new Error('Parser.parseMessage() returned undefined (message rejected)');
      return {
        status: m.statusCode,
        branch: m.viaBranch,
        callId: m.callId,
        cseqSeq: m.cseq,
        cseqMethod: m.parseHeader('cseq').method,
      };
    },
  };
}

/** Library ids in table order. */
export const LIBRARY_IDS = ['sipkit', 'sip', 'jssip', 'sipjs'];

const loaders = { sipkit, sip, jssip, sipjs };

/** Accepts `sip.js` for `sipjs` and `@sipkit/parser` for `sipkit`. */
export function normaliseId(name) {
  const s = name.trim().toLowerCase();
  if (s === 'sip.js') return 'sipjs';
  if (s === '@sipkit/parser') return 'sipkit';
  return s;
}

export async function loadLibrary(id) {
  const load = loaders[id];
  if (!load) throw new Error(`unknown library ${id} (known: ${LIBRARY_IDS.join(', ')})`);
  return load();
}

/** Label and version without loading the library's code (for the header). */
export function describe(id) {
  const pkg = { sipkit: '@sipkit/parser', sip: 'sip', jssip: 'jssip', sipjs: 'sip.js' }[id];
  return { label: id === 'sipkit' ? '@sipkit/parser' : pkg, version: version(pkg) };
}
