import { createRequest, parseMessage, type SipRequest, type SipResponse, serialize } from '@sipkit/parser';
import { type Credential, type CredentialStore, DigestServer, type DigestServerOptions } from '../src/index.js';

export const SECRET = 'a test secret of more than sixteen bytes';
export const REALM = 'example.com';

/** A credential store over a record, counting lookups. */
export function store(users: Record<string, Credential>): CredentialStore & { lookups: number } {
  const s = {
    lookups: 0,
    async lookup(username: string, realm: string) {
      s.lookups++;
      return realm === REALM || realm === 'other.example' ? users[username] : undefined;
    },
  };
  return s;
}

/** A server on a clock the test moves by hand. */
export function setup(options: Partial<DigestServerOptions> = {}) {
  const clock = { t: 1_700_000_000_000 };
  const credentials = store({ alice: { password: 'wonderland' }, bob: { password: 'builder' } });
  const server = new DigestServer({
    secret: SECRET,
    realm: REALM,
    credentials,
    now: () => clock.t,
    ...options,
  });
  return { server, clock, credentials };
}

let cseq = 1;

/** A REGISTER (or another method) as it would arrive: built, serialised and parsed again. */
export function request(
  init: {
    method?: string;
    uri?: string;
    to?: string;
    authorization?: readonly string[];
    proxyAuthorization?: readonly string[];
    body?: string;
  } = {},
): SipRequest {
  const method = init.method ?? 'REGISTER';
  const headers: [string, string][] = [
    ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7'],
    ['Max-Forwards', '70'],
    ['To', init.to ?? '<sip:alice@example.com>'],
    ['From', '<sip:alice@example.com>;tag=456248'],
    ['Call-ID', '843817637684230@998sdasdh09'],
    ['CSeq', `${cseq++} ${method}`],
    ['Contact', '<sip:alice@192.0.2.10>'],
  ];
  for (const a of init.authorization ?? []) headers.push(['Authorization', a]);
  for (const a of init.proxyAuthorization ?? []) headers.push(['Proxy-Authorization', a]);
  if (init.body !== undefined) headers.push(['Content-Type', 'text/plain']);
  const built = createRequest({
    method,
    uri: init.uri ?? 'sip:example.com',
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const parsed = parseMessage(serialize(built));
  if (!parsed.isRequest) throw new Error('not a request');
  return parsed;
}

/** A response as it would arrive. */
export function wire(response: SipResponse): SipResponse {
  const parsed = parseMessage(serialize(response));
  if (parsed.isRequest) throw new Error('not a response');
  return parsed;
}
