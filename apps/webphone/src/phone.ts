// The phone without the page: SIP over one WebSocket (RFC 7118) with @sipkit/dialog, audio with
// WebRTC. The SDP is plain offer/answer (RFC 3264) in the INVITE and its 200, gathered first
// (no trickle ICE), and read by @sipkit/sdp on the way in and out.
import { type IncomingCall, type OutgoingCall, UserAgent } from '@sipkit/dialog';
import { parseUri, type SipResponse } from '@sipkit/parser';
import { parseSdp, serializeSdp } from '@sipkit/sdp';
import { type Resolver, webSocketTransport } from '@sipkit/transport';

/** Where the registration is. */
export type Registration = 'unregistered' | 'registering' | 'registered' | 'failed';

/** Where the call is: the page shows it and the test reads it (`data-call`). */
export type CallState = 'idle' | 'calling' | 'ringing' | 'incoming' | 'established' | 'ended' | 'failed';

/** What the page shows. */
export interface PhoneState {
  registration: Registration;
  call: CallState;
  /** The RTCPeerConnection's connectionState, `none` without one. */
  media: RTCPeerConnectionState | 'none';
  /** One line for people. */
  status: string;
  /** The other party's URI during a call. */
  peer: string;
  /** The codecs of the remote SDP, as @sipkit/sdp reads them. */
  codecs: string;
}

/** Options for {@link Phone}. */
export interface PhoneOptions {
  /** Called after every change of state. */
  onChange(state: Readonly<PhoneState>): void;
  /** Called with the remote audio stream. */
  onRemoteStream(stream: MediaStream): void;
}

/** What the user typed to register. */
export interface Account {
  /** `ws://` or `wss://` URL of the SIP WebSocket server. */
  server: string;
  /** Address-of-record, `sip:alice@sipkit.test`. */
  aor: string;
  /** Digest password; the user name is the AOR's user part. */
  password: string;
}

/**
 * RFC 7118: every request goes over the one WebSocket whatever its Request-URI names, so any name
 * "resolves" to the server (the transport sends to it regardless).
 */
function toServer(host: string): Resolver {
  return { naptr: async () => [], srv: async () => [], a: async () => [host], aaaa: async () => [] };
}

/** Parses SDP with @sipkit/sdp and serializes it back: byte for byte the same, or a throw. */
function checkedSdp(text: string): string {
  return serializeSdp(parseSdp(text));
}

/** The codecs of an SDP, `audio: opus/48000, PCMU/8000`. */
function codecsOf(text: string): string {
  return parseSdp(text)
    .media.map((m) => `${m.type}: ${m.codecs.map((c) => `${c.name}/${c.clockRate}`).join(', ')}`)
    .join('; ');
}

/** The local description once ICE gathering is complete: all candidates in one SDP (no trickle). */
function gathered(pc: RTCPeerConnection): Promise<string> {
  return new Promise((resolve) => {
    const done = (): void => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', done);
      resolve(pc.localDescription?.sdp ?? '');
    };
    pc.addEventListener('icegatheringstatechange', done);
    done();
  });
}

/** A SIP phone for one account and one call at a time. */
export class Phone {
  readonly state: PhoneState = {
    registration: 'unregistered',
    call: 'idle',
    media: 'none',
    status: 'not registered',
    peer: '',
    codecs: '',
  };
  readonly #o: PhoneOptions;
  #ua: UserAgent | undefined;
  #call: OutgoingCall | IncomingCall | undefined;
  #pc: RTCPeerConnection | undefined;
  #mic: MediaStream | undefined;

  constructor(options: PhoneOptions) {
    this.#o = options;
  }

  #set(change: Partial<PhoneState>): void {
    Object.assign(this.state, change);
    this.#o.onChange(this.state);
  }

  /** Connects to the server and registers (§10.2), answering the digest challenge. */
  async register(account: Account): Promise<void> {
    this.#set({ registration: 'registering', status: `connecting to ${account.server}` });
    try {
      const aor = parseUri(account.aor);
      if (aor.kind !== 'sip' || aor.user === undefined) throw new Error(`not a SIP AOR with a user: ${account.aor}`);
      await this.#ua?.close();
      const transport = await webSocketTransport({ url: account.server });
      const ua = new UserAgent({
        transports: [transport],
        aor: account.aor,
        // RFC 7118 §5: a browser has no address to be reached at; its Contact names the random
        // .invalid host of its Via, and the server reaches it over this WebSocket.
        contact: `sip:${aor.user}@${transport.local.address};transport=ws`,
        credentials: { username: aor.user, password: account.password },
        resolver: toServer(new URL(account.server).hostname.replace(/^\[|\]$/g, '')),
      });
      ua.onError = (e) => console.warn('sipkit:', e);
      ua.on('invite', (call) => this.#incoming(call));
      this.#ua = ua;
      const res = await ua.register(`sip:${aor.host}`);
      const ok = res.status >= 200 && res.status < 300;
      this.#set({
        registration: ok ? 'registered' : 'failed',
        status: ok ? `registered as ${account.aor}` : `REGISTER: ${res.status} ${res.reason}`,
      });
    } catch (e) {
      this.#set({ registration: 'failed', status: `cannot register: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Calls `target` with an SDP offer from the microphone. */
  async call(target: string): Promise<void> {
    const ua = this.#ua;
    if (ua === undefined || this.#busy()) return;
    this.#set({ call: 'calling', peer: target, codecs: '', status: `calling ${target}` });
    try {
      const pc = await this.#peerConnection();
      await pc.setLocalDescription(await pc.createOffer());
      const offer = checkedSdp(await gathered(pc));
      const call = ua.invite(target, { body: offer });
      this.#call = call;
      call.on('progress', (res) => {
        if (res.status >= 180) this.#set({ call: 'ringing', status: `${res.status} ${res.reason}` });
      });
      call.on('established', () => void this.#answered(call));
      call.on('failed', (why) => {
        const text = 'status' in why ? `${why.status} ${why.reason}` : why.message;
        this.#finish('failed', `call failed: ${text}`);
      });
      call.on('ended', (why) => {
        if (why !== 'failed') this.#finish('ended', `call ended (${why})`);
      });
    } catch (e) {
      this.#finish('failed', `cannot call: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The 2xx came: its SDP is the answer. */
  async #answered(call: OutgoingCall): Promise<void> {
    const pc = this.#pc;
    if (pc === undefined || call.remoteBody === undefined) return;
    try {
      const sdp = checkedSdp(new TextDecoder().decode(call.remoteBody));
      await pc.setRemoteDescription({ type: 'answer', sdp });
      this.#set({ call: 'established', codecs: codecsOf(sdp), status: `talking to ${this.state.peer}` });
    } catch (e) {
      this.#set({ status: `bad answer: ${e instanceof Error ? e.message : String(e)}` });
      await call.bye().catch(() => undefined);
    }
  }

  #incoming(call: IncomingCall): void {
    if (this.#busy()) {
      call.reject(486);
      return;
    }
    this.#call = call;
    call.on('ended', (why) => this.#finish('ended', `call ended (${why})`));
    if (call.remoteBody === undefined) {
      // An INVITE without an offer would want ours in the 200 and the answer in the ACK; this
      // page only answers offers.
      call.reject(488, 'Not Acceptable Here (no SDP offer)');
      return;
    }
    call.ring();
    const from = call.invite.from;
    const peer = from === undefined ? 'someone' : `${from.displayName ?? ''} <${from.uriText}>`.trim();
    this.#set({ call: 'incoming', peer, codecs: '', status: `incoming call from ${peer}` });
  }

  /** Answers the incoming call with an SDP answer to its offer. */
  async answer(): Promise<void> {
    const call = this.#call;
    if (call === undefined || !('accept' in call) || this.state.call !== 'incoming') return;
    try {
      const pc = await this.#peerConnection();
      const offer = checkedSdp(new TextDecoder().decode(call.remoteBody));
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      await pc.setLocalDescription(await pc.createAnswer());
      call.accept({ body: checkedSdp(await gathered(pc)) });
      this.#set({ call: 'established', codecs: codecsOf(offer), status: `talking to ${this.state.peer}` });
    } catch (e) {
      call.reject(488);
      this.#finish('failed', `cannot answer: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Ends the call: BYE when established, CANCEL while ringing out, 603 to a call ringing in. */
  async hangUp(): Promise<void> {
    const call = this.#call;
    if (call === undefined) return;
    if (call.state === 'established') {
      // `ended` fires before the BYE leaves; its answer only goes in the status line.
      const res: SipResponse | Error = await call.bye().catch((e: Error) => e);
      if ('status' in res && res.status >= 300) this.#set({ status: `BYE answered ${res.status} ${res.reason}` });
    } else if ('cancel' in call) call.cancel();
    else call.reject(603, 'Decline');
  }

  #busy(): boolean {
    return this.#call !== undefined && this.#call.state !== 'terminated';
  }

  async #peerConnection(): Promise<RTCPeerConnection> {
    this.#mic ??= await navigator.mediaDevices.getUserMedia({ audio: true });
    // Host candidates only: the peers see each other directly (no STUN or TURN configured).
    const pc = new RTCPeerConnection({ iceServers: [] });
    for (const track of this.#mic.getTracks()) pc.addTrack(track, this.#mic);
    pc.addEventListener('track', (e) => {
      const stream = e.streams[0];
      if (stream !== undefined) this.#o.onRemoteStream(stream);
    });
    pc.addEventListener('connectionstatechange', () => {
      if (this.#pc === pc) this.#set({ media: pc.connectionState });
    });
    this.#pc?.close();
    this.#pc = pc;
    this.#set({ media: pc.connectionState });
    return pc;
  }

  #finish(call: 'ended' | 'failed', status: string): void {
    this.#pc?.close();
    this.#pc = undefined;
    for (const track of this.#mic?.getTracks() ?? []) track.stop();
    this.#mic = undefined;
    this.#set({ call, media: 'closed', status });
  }
}
