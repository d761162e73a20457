// The configuration: defaults, the schema's errors (key and line), users files, flags.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkConfig,
  configFromFlags,
  createLogger,
  DEFAULTS,
  parseConfig,
  parseUsersFile,
} from '../src/index.js';

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('configuration', () => {
  it('runs on embedded defaults: UDP and TCP on 127.0.0.1:5060, WS on 8080, memory location', () => {
    const c = checkConfig({});
    expect(c).toEqual(DEFAULTS);
    expect(c.listen.map((l) => `${l.transport}:${l.host}:${l.port}`)).toEqual([
      'udp:127.0.0.1:5060',
      'tcp:127.0.0.1:5060',
      'ws:127.0.0.1:8080',
    ]);
    expect(c.location).toEqual({ type: 'memory' });
  });

  it('reads YAML and JSON', () => {
    const yaml = parseConfig('listen:\n  - transport: udp\n    address: "[::1]:5070"\ndomains: [Example.COM]\n');
    expect(yaml.listen).toEqual([{ transport: 'udp', host: '::1', port: 5070 }]);
    expect(yaml.domains).toEqual(['example.com']);
    const json = parseConfig('{"location": {"type": "redis", "url": "redis://127.0.0.1:6379"}}');
    expect(json.location).toEqual({ type: 'redis', url: 'redis://127.0.0.1:6379' });
  });

  it('names the bad key and its line', () => {
    const text = [
      'domains: [example.com]',
      'listen:',
      '  - transport: udp',
      '    port: 5060',
      '  - transport: sctp',
      '    port: 5060',
    ].join('\n');
    const e = errorOf(() => parseConfig(text, 'sipkit.yaml'));
    expect(e.key).toBe('listen.1.transport');
    expect(e.where).toBe('sipkit.yaml:5');
    expect(e.message).toBe('sipkit.yaml:5: listen.1.transport: must be one of udp, tcp, tls, ws, wss, got "sctp"');

    const typo = errorOf(() => parseConfig('domains: [a.example]\nlimts:\n  maxConnections: 5\n', 'c.yaml'));
    expect(typo.message).toMatch(/^c\.yaml:2: limts: unknown key/);

    const range = errorOf(() => parseConfig('limits:\n  maxConnections: 0\n', 'c.yaml'));
    expect(range.message).toBe('c.yaml:2: limits.maxConnections: must be a whole number from 1 to 1000000, got 0');

    const tls = errorOf(() => parseConfig('listen:\n  - transport: tls\n    port: 5061\n', 'c.yaml'));
    expect(tls.message).toBe('c.yaml:2: listen.0: a tls listener needs cert and key (PEM file paths)');

    const broken = errorOf(() => parseConfig('listen: [\n', 'c.yaml'));
    expect(broken.message).toMatch(/^c\.yaml:\d+: not valid YAML/);

    const io = errorOf(() => parseConfig('domains: [a.example]\nudpIo: fast\n', 'c.yaml'));
    expect(io.message).toBe('c.yaml:2: udpIo: must be one of auto, native, dgram, got "fast"');
    expect(checkConfig({ udpIo: 'dgram' }).udpIo).toBe('dgram');
    expect(checkConfig({}).udpIo).toBe('auto');
    expect(checkConfig({}).udpReusePort).toBe(false);
    expect(checkConfig({ udpReusePort: true }).udpReusePort).toBe(true);
    expect(errorOf(() => parseConfig('domains: [a.example]\nudpReusePort: yes please\n', 'c.yaml')).message).toBe(
      'c.yaml:2: udpReusePort: must be true or false, got "yes please"',
    );

    const secret = errorOf(() => checkConfig({ auth: { secret: 'short' } }));
    expect(secret.message).toBe('auth.secret: must be at least 16 characters');
  });

  it('reads users files with passwords or HA1s, naming the bad line', () => {
    const users = parseUsersFile('# demo\nalice password=wonderland\n\nbob ha1-md5=ABCDEF0123 ha1-sha-256=00ff\n');
    expect(users).toEqual([
      { name: 'alice', password: 'wonderland' },
      { name: 'bob', ha1: { MD5: 'abcdef0123', 'SHA-256': '00ff' } },
    ]);
    expect(errorOf(() => parseUsersFile('alice password=x\nbob pasword=y\n', 'users.txt')).message).toBe(
      'users.txt:2: unknown field "pasword" (password, ha1-md5, ha1-sha-256, ha1-sha-512-256)',
    );
    expect(errorOf(() => parseUsersFile('alice password=x\nalice password=y\n', 'u')).message).toBe(
      'u:2: user "alice" appears twice',
    );
    expect(errorOf(() => parseUsersFile('carol ha1-md5=xyz\n', 'u')).message).toBe('u:1: ha1-md5 must be hexadecimal');
  });

  it('takes an advertised host per listener and names a bad one', () => {
    const ok = checkConfig({
      listen: [
        { transport: 'udp', host: '0.0.0.0', port: 5060, advertise: '192.0.2.7' },
        { transport: 'tcp', host: '::', port: 5060, advertise: '2001:db8::7' },
        { transport: 'ws', host: '0.0.0.0', port: 8080, advertise: 'sip.example.com' },
      ],
    });
    expect(ok.listen.map((l) => l.advertise)).toEqual(['192.0.2.7', '2001:db8::7', 'sip.example.com']);
    const flagged = configFromFlags({ udp: ['0.0.0.0:5060'], tcp: ['0.0.0.0:5060'], advertise: '198.51.100.4' });
    expect(flagged.listen.map((l) => l.advertise)).toEqual(['198.51.100.4', '198.51.100.4']);
    expect(() => configFromFlags({ advertise: '198.51.100.4:5060' })).toThrow(/--advertise/);
    for (const bad of ['192.0.2.7:5060', 'two words', '']) {
      expect(() =>
        checkConfig({ listen: [{ transport: 'udp', host: '0.0.0.0', port: 5060, advertise: bad }] }),
      ).toThrow(/listen\.0\.advertise/);
    }
  });

  it('lets flags replace listeners and domains, and names a bad flag', () => {
    const files: Record<string, string> = {
      'c.yaml': 'domains: [from-file.example]\nforeign: forward\n',
      'users.txt': 'dave password=pw\n',
    };
    const read = (p: string) => {
      const text = files[p];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    };
    const c = configFromFlags(
      {
        config: 'c.yaml',
        udp: ['127.0.0.1:5070'],
        ws: ['[::1]:8088'],
        users: 'users.txt',
        'log-level': 'debug',
        pretty: true,
      },
      read,
    );
    expect(c.listen).toEqual([
      { transport: 'udp', host: '127.0.0.1', port: 5070 },
      { transport: 'ws', host: '::1', port: 8088 },
    ]);
    expect(c.domains).toEqual(['from-file.example']);
    expect(c.foreign).toBe('forward');
    expect(c.usersFile).toBe('users.txt');
    expect(c.log).toEqual({ level: 'debug', pretty: true });
    expect(
      configFromFlags({ domain: ['A.example'], redis: 'redis://127.0.0.1:7000', 'no-auth': true }, read),
    ).toMatchObject({
      domains: ['a.example'],
      location: { type: 'redis', url: 'redis://127.0.0.1:7000' },
      auth: { register: false, calls: false },
    });
    expect(errorOf(() => configFromFlags({ tcp: ['localhost'] }, read)).message).toBe(
      '--tcp: must be HOST:PORT, got "localhost"',
    );
    expect(errorOf(() => configFromFlags({ tls: ['127.0.0.1:5061'] }, read)).message).toBe(
      '--tls: needs --cert and --key',
    );
    expect(errorOf(() => configFromFlags({ config: 'missing.yaml' }, read)).message).toBe(
      '--config: cannot read missing.yaml: ENOENT',
    );
    expect(errorOf(() => configFromFlags({ users: 'users.txt', 'log-level': 'loud' }, read)).message).toMatch(
      /^--log-level:/,
    );
  });
});

describe('logging', () => {
  it('writes JSON lines by default and readable lines with pretty', async () => {
    const { Writable } = await import('node:stream');
    const sink = () => {
      const chunks: string[] = [];
      const stream = new Writable({
        write(chunk, _enc, done) {
          chunks.push(String(chunk));
          done();
        },
      });
      return { stream, text: () => chunks.join('') };
    };
    const json = sink();
    createLogger({ level: 'info', pretty: false }, json.stream).info({ status: 404, reason: 'Not Found' }, 'refused');
    expect(JSON.parse(json.text())).toMatchObject({ level: 30, name: 'sipkit-server', status: 404, msg: 'refused' });
    const pretty = sink();
    createLogger({ level: 'info', pretty: true }, pretty.stream).info({ status: 404, reason: 'Not Found' }, 'refused');
    expect(pretty.text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: refused\n\s+status: 404\n\s+reason: "Not Found"/);
  });
});
