// The five commands, each on a Stack: what it sends, what it prints, the exit code it returns.
import type { IncomingCall } from '@sipkit/dialog';
import { parseUri, SipError, type SipRequest, SipResponse } from '@sipkit/parser';
import type { CliOptions } from './args.js';
import type { Reporter } from './output.js';
import { audioAnswer, audioOffer, summarize } from './sdp.js';
import type { Stack } from './stack.js';

/** Exit codes. */
export const EXIT = {
  /** Done: registered, the call completed, the request got a 2xx. */
  ok: 0,
  /** A SIP response refused it (4xx, 5xx, 6xx, or 3xx not followed). */
  refused: 1,
  /** The command line was wrong. */
  usage: 2,
  /** No response: a timeout or a transport failure. */
  network: 3,
} as const;

/** Interrupts a command can react to: SIGINT (or its AbortSignal) and a key press. */
export interface Controls {
  /** Called once on SIGINT; returns a function that stops listening. */
  onInterrupt(listener: () => void): () => void;
  /** Called on each key press; returns a function that stops listening. */
  onKey(listener: () => void): () => void;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function status(res: SipResponse): { status: number; reason: string } {
  return { status: res.status, reason: res.reason };
}

/** A failure that is not a SIP response: the stack's error code and message. */
function problem(e: unknown): { error: string; message: string } {
  if (e instanceof SipError) return { error: e.code, message: e.message };
  return { error: 'ERROR', message: e instanceof Error ? e.message : String(e) };
}

/** The registrar of an AOR when none is given: its domain (RFC 3261 §10.2.6). */
export function defaultRegistrar(aor: string): string {
  const uri = parseUri(aor);
  if (uri.kind !== 'sip') return aor;
  return `${uri.scheme}:${uri.host}${uri.port === undefined ? '' : `:${uri.port}`}`;
}

/** The lifetime the registrar granted our contact: its `expires` param, else Expires, else ours. */
function granted(res: SipResponse, contact: string, asked: number): number {
  const contacts = res.contacts;
  if (contacts !== '*') {
    const ours = contacts.find((c) => c.uriText.toLowerCase() === contact.toLowerCase());
    const param = ours?.params.get('expires');
    if (typeof param === 'string' && /^\d+$/.test(param)) return Number(param);
  }
  return res.expires ?? asked;
}

/**
 * One REGISTER (with its digest retry): prints the outcome and returns the exit code and, on
 * success, the lifetime granted.
 *
 * @param stack - the UA
 * @param registrar - where to
 * @param expires - seconds; 0 unregisters
 * @param o - the command line (for hints)
 * @param out - where to print
 */
export async function registerOnce(
  stack: Stack,
  registrar: string,
  expires: number,
  o: CliOptions,
  out: Reporter,
): Promise<{ code: number; expires: number }> {
  const contact = stack.ua.contact;
  out.event(
    'registering',
    { registrar, aor: stack.aor, contact, expires },
    `${expires === 0 ? 'unregistering' : 'registering'} ${stack.aor} at ${registrar} (contact ${contact})`,
  );
  let res: SipResponse;
  try {
    res = await stack.ua.register(registrar, expires);
  } catch (e) {
    const p = problem(e);
    out.event('register-failed', p, `registration failed: no response (${p.error}: ${p.message})`);
    return { code: EXIT.network, expires: 0 };
  }
  if (res.status >= 200 && res.status < 300) {
    if (expires === 0) {
      out.event('unregistered', status(res), `${res.status} ${res.reason}: unregistered ${contact}`);
      return { code: EXIT.ok, expires: 0 };
    }
    const lifetime = granted(res, contact, expires);
    const bindings = res.contacts === '*' ? [] : res.contacts.map((c) => c.uriText);
    out.event(
      'registered',
      { ...status(res), expires: lifetime, contacts: bindings },
      `${res.status} ${res.reason}: registered ${contact} for ${lifetime} s (${bindings.length} contact${bindings.length === 1 ? '' : 's'} bound)`,
    );
    return { code: EXIT.ok, expires: lifetime };
  }
  const hint =
    (res.status === 401 || res.status === 407) && o.password === undefined
      ? ' (the registrar wants credentials: give --user and --password)'
      : res.status === 401 || res.status === 407
        ? ' (the credentials were refused)'
        : '';
  out.event('register-failed', status(res), `registration refused: ${res.status} ${res.reason}${hint}`);
  return { code: EXIT.refused, expires: 0 };
}

/** `register`: one REGISTER or un-REGISTER. */
export async function registerCommand(o: CliOptions, stack: Stack, out: Reporter): Promise<number> {
  const registrar = o.registrar ?? defaultRegistrar(stack.aor);
  return (await registerOnce(stack, registrar, o.unregister ? 0 : o.expires, o, out)).code;
}

/** `call URI`: INVITE with an offer, progress as it comes, BYE at the end. */
export function callCommand(o: CliOptions, stack: Stack, out: Reporter, controls: Controls): Promise<number> {
  const target = o.target as string;
  const via = o.proxy === undefined ? '' : ` via ${o.proxy}`;
  out.event('calling', { target, from: stack.aor, proxy: o.proxy }, `calling ${target} from ${stack.aor}${via}`);
  const started = Date.now();
  const call = stack.ua.invite(target, { body: audioOffer(stack.mediaAddress) });
  return new Promise<number>((resolve) => {
    let done = false;
    let hangingUp = false;
    let cancelWanted = false;
    let establishedAt = 0;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const offs: (() => void)[] = [];
    const finish = (code: number) => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      for (const off of offs) off();
      resolve(code);
    };
    const hangup = async (why: string): Promise<void> => {
      if (done || hangingUp) return;
      if (call.state === 'established') {
        hangingUp = true;
        out.event('hangup', { reason: why }, `hanging up (${why})`);
        const duration = seconds(Date.now() - establishedAt);
        try {
          const res = await call.bye();
          out.event(
            'bye',
            { ...status(res), duration: Number(duration) },
            `BYE answered ${res.status} ${res.reason}; the call lasted ${duration} s`,
          );
        } catch (e) {
          const p = problem(e);
          out.event(
            'bye',
            { ...p, duration: Number(duration) },
            `BYE got no answer (${p.message}); the call lasted ${duration} s`,
          );
        }
        finish(EXIT.ok);
      } else if ((call.state === 'calling' || call.state === 'early') && !cancelWanted) {
        // §9.1: CANCEL; the INVITE then ends with 487 (or the 200 crosses it: BYE then).
        cancelWanted = true;
        out.event('cancelling', { reason: why }, `cancelling the call (${why})`);
        call.cancel();
      }
    };
    call.on('progress', (res) => {
      const early = summarize(res.body);
      out.event(
        'progress',
        { ...status(res), ...(early === undefined ? {} : { sdp: early }) },
        `${res.status} ${res.reason}${early === undefined ? '' : ` (early media: ${early})`}`,
      );
    });
    call.on('established', (res) => {
      establishedAt = Date.now();
      const answer = summarize(call.remoteBody);
      const fields = res instanceof SipResponse ? status(res) : {};
      const line = res instanceof SipResponse ? `${res.status} ${res.reason}` : 'answered';
      out.event(
        'established',
        {
          ...fields,
          setup: Number(seconds(establishedAt - started)),
          ...(answer === undefined ? {} : { sdp: answer }),
        },
        `${line}: call established${answer === undefined ? '' : ` (answer: ${answer})`}`,
      );
      if (cancelWanted) void hangup('answered while being cancelled');
      else if (o.hangupAfter !== undefined) {
        timers.push(setTimeout(() => void hangup(`--hangup-after ${o.hangupAfter}`), o.hangupAfter * 1000));
      }
    });
    call.on('failed', (reason) => {
      if (reason instanceof SipResponse) {
        out.event('failed', status(reason), `call failed: ${reason.status} ${reason.reason}`);
        finish(EXIT.refused);
      } else {
        const p = problem(reason);
        out.event('failed', p, `call failed: no final response (${p.error}: ${p.message})`);
        finish(EXIT.network);
      }
    });
    call.on('ended', (reason) => {
      if (done || hangingUp || reason === 'failed' || reason === 'cancel') return;
      const duration = seconds(Date.now() - establishedAt);
      const why =
        reason === 'bye'
          ? 'the other side hung up'
          : reason === 'expired'
            ? 'the session expired (no refresh, RFC 4028)'
            : 'the call ended';
      out.event('ended', { reason, by: 'remote', duration: Number(duration) }, `${why} after ${duration} s`);
      finish(EXIT.ok);
    });
    if (o.cancelAfter !== undefined) {
      timers.push(
        setTimeout(() => {
          if (call.state === 'calling' || call.state === 'early') void hangup(`--cancel-after ${o.cancelAfter}`);
        }, o.cancelAfter * 1000),
      );
    }
    offs.push(controls.onInterrupt(() => void hangup('interrupted')));
    offs.push(controls.onKey(() => void hangup('key pressed')));
  });
}

function from(req: SipRequest): string {
  try {
    const f = req.from;
    if (f === undefined) return '?';
    return f.displayName === undefined ? f.uriText : `"${f.displayName}" <${f.uriText}>`;
  } catch {
    return '?';
  }
}

const ENDED_TEXT: Readonly<Record<string, string>> = {
  bye: 'the caller hung up (BYE)',
  cancel: 'the caller cancelled (CANCEL)',
  'no-ack': 'no ACK came for our 200; the call is over',
  failed: 'the call was refused',
  expired: 'the session expired (no refresh, RFC 4028)',
};

/** `answer`: take calls until --max-calls have ended or SIGINT. */
export async function answerCommand(o: CliOptions, stack: Stack, out: Reporter, controls: Controls): Promise<number> {
  const { ua, transport } = stack;
  const local = transport.local;
  const where =
    stack.wsUrl === undefined
      ? `listening on ${transport.protocol} ${local.address}:${local.port}`
      : `connected to ${stack.wsUrl}`;
  out.event(
    'listening',
    {
      transport: transport.protocol,
      address: local.address,
      port: local.port,
      ...(stack.wsUrl === undefined ? {} : { server: stack.wsUrl }),
      aor: stack.aor,
      contact: ua.contact,
    },
    `${where} as ${stack.aor} (contact ${ua.contact})`,
  );
  const registrar = o.registrar ?? defaultRegistrar(stack.aor);
  let refresh: ReturnType<typeof setTimeout> | undefined;
  const register = async (): Promise<number> => {
    const r = await registerOnce(stack, registrar, o.expires, o, out);
    // Refresh halfway through the lifetime granted.
    if (r.code === EXIT.ok && r.expires > 0) {
      refresh = setTimeout(() => void register(), Math.min(r.expires * 500, 0x7fffffff));
    }
    return r.code;
  };
  if (o.register) {
    const code = await register();
    if (code !== EXIT.ok) return code;
  }

  const code = await new Promise<number>((resolve) => {
    const active = new Set<IncomingCall>();
    let ended = 0;
    let stopping = false;
    const offs: (() => void)[] = [];
    const stop = (exit: number) => {
      if (stopping) return;
      stopping = true;
      for (const off of offs) off();
      const pending = [...active].map((c) => hangup(c, 'stopping'));
      void Promise.all(pending).then(() => resolve(exit));
    };
    const done = (call: IncomingCall) => {
      if (!active.delete(call)) return;
      ended++;
      if (o.maxCalls !== undefined && ended >= o.maxCalls && active.size === 0) stop(EXIT.ok);
    };
    const local = new WeakSet<IncomingCall>();
    const hangup = async (call: IncomingCall, why: string): Promise<void> => {
      if (call.state === 'established') {
        local.add(call);
        out.event('hangup', { reason: why, callId: call.invite.callId }, `hanging up (${why})`);
        try {
          const res = await call.bye();
          out.event('bye', status(res), `BYE answered ${res.status} ${res.reason}`);
        } catch (e) {
          const p = problem(e);
          out.event('bye', p, `BYE got no answer (${p.message})`);
        }
        done(call);
      } else if (call.state === 'calling' || call.state === 'early') {
        out.event('rejected', { status: 480, reason: why }, `480 Temporarily Unavailable sent (${why})`);
        call.reject(480, 'Temporarily Unavailable');
      }
    };

    ua.on('message', (req) => {
      const text = new TextDecoder().decode(req.body);
      out.event(
        'message',
        { from: from(req), contentType: req.get('Content-Type'), text },
        `MESSAGE from ${from(req)}: ${text}`,
      );
    });
    ua.on('invite', (call) => {
      const caller = from(call.invite);
      const offer = summarize(call.remoteBody);
      out.event(
        'incoming',
        {
          from: caller,
          to: call.invite.uri,
          callId: call.invite.callId,
          ...(offer === undefined ? {} : { sdp: offer }),
        },
        `incoming call from ${caller} to ${call.invite.uri}${offer === undefined ? '' : ` (offer: ${offer})`}`,
      );
      if (stopping) {
        call.reject(480, 'Temporarily Unavailable');
        return;
      }
      active.add(call);
      const timers: ReturnType<typeof setTimeout>[] = [];
      call.on('ended', (reason) => {
        for (const t of timers) clearTimeout(t);
        if (local.has(call)) return;
        out.event('ended', { reason, callId: call.invite.callId }, ENDED_TEXT[reason] ?? `the call ended (${reason})`);
        done(call);
      });
      call.on('established', () => {
        out.event('established', { callId: call.invite.callId }, 'ACK received: call established');
        if (o.hangupAfter !== undefined) {
          timers.push(setTimeout(() => void hangup(call, `--hangup-after ${o.hangupAfter}`), o.hangupAfter * 1000));
        }
      });
      if (o.reject !== undefined) {
        out.event('rejected', { status: o.reject }, `${o.reject} sent (--reject)`);
        call.reject(o.reject);
        return;
      }
      let body: string | undefined;
      try {
        // RFC 3264: answer the INVITE's offer; without one, offer in the 200 (the answer comes in the ACK).
        body =
          call.remoteBody === undefined
            ? audioOffer(stack.mediaAddress)
            : audioAnswer(call.remoteBody, stack.mediaAddress);
      } catch {
        body = undefined;
      }
      if (body === undefined) {
        out.event('rejected', { status: 488 }, '488 Not Acceptable Here sent (no stream in the offer we can take)');
        call.reject(488, 'Not Acceptable Here');
        return;
      }
      const sdp = summarize(new TextEncoder().encode(body));
      if (o.earlyMedia && call.remoteBody !== undefined) {
        // Early media: the answer in a 183 (the 200 repeats it, RFC 3264 §4 allows no other).
        call.ring({ status: 183, body });
        out.event(
          'ringing',
          { status: 183, reason: 'Session Progress', sdp },
          `183 Session Progress sent (answer: ${sdp})`,
        );
      } else {
        call.ring();
        out.event('ringing', { status: 180, reason: 'Ringing' }, '180 Ringing sent');
      }
      const answer = body;
      timers.push(
        setTimeout(() => {
          if (call.state !== 'early') return;
          call.accept({ body: answer });
          out.event('answered', { status: 200, reason: 'OK', sdp }, `200 OK sent (answer: ${sdp})`);
        }, o.autoAnswerAfter * 1000),
      );
    });
    offs.push(controls.onInterrupt(() => stop(EXIT.ok)));
    offs.push(
      controls.onKey(() => {
        for (const c of active) void hangup(c, 'key pressed');
      }),
    );
  });

  if (refresh !== undefined) clearTimeout(refresh);
  if (o.register) await registerOnce(stack, registrar, 0, o, out);
  return code;
}

/** `message URI TEXT`: one MESSAGE (RFC 3428). */
export async function messageCommand(o: CliOptions, stack: Stack, out: Reporter): Promise<number> {
  const target = o.target as string;
  try {
    const res = await stack.ua.request('MESSAGE', target, {
      headers: [['Content-Type', o.contentType]],
      body: o.text ?? '',
    });
    out.event('response', { method: 'MESSAGE', ...status(res) }, `MESSAGE to ${target}: ${res.status} ${res.reason}`);
    return res.status >= 200 && res.status < 300 ? EXIT.ok : EXIT.refused;
  } catch (e) {
    const p = problem(e);
    out.event('failed', { method: 'MESSAGE', ...p }, `MESSAGE to ${target}: no response (${p.error}: ${p.message})`);
    return EXIT.network;
  }
}

/** `options URI`: OPTIONS (§11) and what the answer says about the peer. */
export async function optionsCommand(o: CliOptions, stack: Stack, out: Reporter): Promise<number> {
  const target = o.target as string;
  try {
    const res = await stack.ua.request('OPTIONS', target, { headers: [['Accept', 'application/sdp']] });
    const caps: Record<string, string> = {};
    for (const name of ['Allow', 'Supported', 'Accept', 'User-Agent', 'Server']) {
      const values = res.getValues(name);
      if (values.length > 0) caps[name] = values.join(', ');
    }
    const text = Object.entries(caps)
      .map(([k, v]) => `; ${k}: ${v}`)
      .join('');
    out.event(
      'response',
      { method: 'OPTIONS', ...status(res), ...caps },
      `OPTIONS to ${target}: ${res.status} ${res.reason}${text}`,
    );
    return res.status >= 200 && res.status < 300 ? EXIT.ok : EXIT.refused;
  } catch (e) {
    const p = problem(e);
    out.event('failed', { method: 'OPTIONS', ...p }, `OPTIONS to ${target}: no response (${p.error}: ${p.message})`);
    return EXIT.network;
  }
}
