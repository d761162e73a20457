import { describe, expect, it } from 'vitest';
import {
  ladderSvg,
  ladderText,
  sip,
  type TraceRecord,
  VirtualClock,
  VirtualNetwork,
  withLadder,
} from '../src/index.js';

const invite = sip.bytes`
  INVITE sip:bob@biloxi.com SIP/2.0
  Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds
  Max-Forwards: 70
  To: Bob <sip:bob@biloxi.com>
  From: Alice <sip:alice@atlanta.com>;tag=1928301774
  Call-ID: a84b4c76e66710@pc33.atlanta.com
  CSeq: 314159 INVITE
  Content-Length: 0
`;
const ringing = sip.bytes`
  SIP/2.0 180 Ringing
  Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds
  To: Bob <sip:bob@biloxi.com>;tag=a6c85cf
  From: Alice <sip:alice@atlanta.com>;tag=1928301774
  Call-ID: a84b4c76e66710@pc33.atlanta.com
  CSeq: 314159 INVITE
  Content-Length: 0
`;

/** alice → proxy → bob: INVITE, a lost 180, a retransmitted INVITE, a duplicated 180. */
async function callFlow() {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, link: { delay: 10 } });
  const alice = net.endpoint({ address: '192.0.2.1', port: 5060 });
  const proxy = net.endpoint({ address: '192.0.2.10', port: 5060 });
  const bob = net.endpoint({ address: '192.0.2.2', port: 5060 });
  for (const e of [alice, proxy, bob]) e.listen(() => undefined);
  await alice.send(invite, proxy.local);
  clock.advance(10);
  await proxy.send(invite, bob.local);
  clock.advance(10);
  net.link(bob, proxy, { loss: 1 });
  await bob.send(ringing, proxy.local);
  clock.advance(480);
  net.link(bob, proxy, { duplicate: 1 });
  await proxy.send(invite, bob.local);
  clock.advance(10);
  await bob.send(ringing, proxy.local);
  clock.runUntilIdle();
  return { clock, net, alice, proxy, bob };
}

describe('ladderText', () => {
  it('draws one titled column per endpoint in order of appearance and one row per message', async () => {
    const { net } = await callFlow();
    const lines = net.ladder().split('\n');
    const head = lines[0] as string;
    expect(head).toMatch(/ms\s+192\.0\.2\.1:5060\s+192\.0\.2\.10:5060\s+192\.0\.2\.2:5060$/);
    expect(lines).toHaveLength(1 + net.trace.length);
    expect(lines[1]).toMatch(/^\s+0\s+\|-+INVITE-+>\|\s+\|$/);
    expect(lines[2]).toMatch(/^\s+10\s+\|\s+\|-+INVITE-+>\|$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(110);
  });

  it('draws responses right to left, a lost message short of its target in an X, a duplicate ×2', async () => {
    const { net } = await callFlow();
    const lines = net.ladder().split('\n');
    const lost = lines[3] as string;
    expect(lost).toMatch(/^\s+20\s+\|\s+\|\s+X-+180 Ringing-+\|\s+lost \(loss\)$/);
    expect(lost.indexOf('X')).toBeGreaterThan(lost.indexOf('|', lost.indexOf('|') + 1) + 1);
    expect(lines[4]).toMatch(/^\s+500\s+\|\s+\|-+INVITE-+>\|$/);
    expect(lines[5]).toMatch(/^\s+510\s+\|\s+\|<-+180 Ringing-+\|\s+×2$/);
  });

  it('takes titles, a column order, a width and the last N rows', async () => {
    const { net } = await callFlow();
    const text = net.ladder({
      last: 2,
      width: 80,
      columns: ['192.0.2.2:5060'],
      labels: { '192.0.2.2:5060': 'bob', '192.0.2.10:5060': 'proxy' },
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('(3 earlier messages not shown)');
    expect(lines[1]).toMatch(/ms\s+bob\s+proxy$/);
    expect(lines[2]).toMatch(/\|<-+INVITE-+\|/);
    expect(lines[3]).toMatch(/\|-+180 Ringing-+>\|/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('fits many endpoints in about 120 columns by cutting titles and labels, keeping the port', () => {
    const trace: TraceRecord[] = Array.from({ length: 6 }, (_, i) => ({
      id: i + 1,
      time: i * 1000.25,
      from: `[2001:db8:aaaa:bbbb::${i}]:5060`,
      to: `[2001:db8:aaaa:bbbb::${i + 1}]:5060`,
      protocol: i % 2 === 0 ? 'udp' : 'tcp',
      label: 'SUBSCRIBE-with-a-very-long-extension-method-name',
      summary: '',
      size: 1,
      fate: 'delivered',
      deliveredAt: [],
    }));
    const lines = ladderText(trace).split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);
    expect(lines[0]).toContain('…');
    expect(lines[0]).toMatch(/5060/);
    expect(lines[1]).toMatch(/^\s+0\s+\|-+SUBSCRIB…->\|/);
    expect(lines[2]).toMatch(/^1000\.3 /);
    expect(lines[2]).toMatch(/tcp$/);
  });

  it('says so when there is nothing to draw', () => {
    expect(ladderText([])).toBe('(no messages)');
  });
});

describe('ladderSvg', () => {
  it('is a standalone SVG with lifelines, arrows, escaped labels and lost messages dashed in red', async () => {
    const { net, bob, proxy } = await callFlow();
    await bob.send(sip.bytes`SIP/2.0 500 <Server & "Error">`, proxy.local);
    net.clock.setTimeout(() => undefined, 0);
    const svg = net.ladderSvg({ title: 'INVITE <via> proxy & retransmission' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<title>INVITE &lt;via&gt; proxy &amp; retransmission</title>');
    expect(svg).toContain('500 &lt;Server &amp; &quot;Error&quot;&gt;');
    expect(svg).not.toMatch(/<(?!\/?(svg|rect|title|text|line|polygon|path)[\s>/])/);
    for (const tag of ['svg', 'text', 'title']) {
      expect(svg.split(`<${tag}`).length, tag).toBe(svg.split(`</${tag}>`).length);
    }
    expect(svg.match(/<line [^>]*stroke="#999"/g)).toHaveLength(3);
    expect(svg).toMatch(/<line [^>]*stroke="#d00"[^>]*stroke-dasharray/);
    expect(svg).toMatch(/<path d="M[^"]*" stroke="#d00"/);
    expect(svg).toContain('180 Ringing (×2)');
    expect(ladderSvg(net.trace)).not.toContain('<title>');
  });
});

describe('withLadder', () => {
  it('appends the call flow to the message of an error a synchronous scenario throws', async () => {
    const { net } = await callFlow();
    const original = new TypeError('expected 200 OK');
    let caught: unknown;
    try {
      withLadder(net, () => {
        throw original;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(original);
    expect(original.message).toMatch(/^expected 200 OK\n\nCall flow on the virtual network \(all 5 messages\):\n/);
    expect(original.message).toContain(net.ladder());
    expect(original.stack).toContain('Call flow on the virtual network');
  });

  it('appends the last rows to a rejection of an async scenario, and passes results through', async () => {
    const { net } = await callFlow();
    await expect(
      withLadder(
        net,
        async () => {
          await Promise.resolve();
          throw new Error('Timer B fired');
        },
        { last: 2 },
      ),
    ).rejects.toThrow(/Timer B fired\n\nCall flow on the virtual network \(last 2 of 5 messages\):\n.*3 earlier/);
    expect(withLadder(net, () => 42)).toBe(42);
    await expect(withLadder(net, async () => 'ok')).resolves.toBe('ok');
  });

  it('wraps a thrown non-Error, keeping it as the cause, and annotates an error only once', async () => {
    const { net } = await callFlow();
    const caught = (() => {
      try {
        return withLadder(net, () => {
          throw 'a string';
        });
      } catch (e) {
        return e;
      }
    })() as Error;
    expect(caught).toBeInstanceOf(Error);
    expect(caught.message).toMatch(/^a string\n\nCall flow/);
    expect(caught.cause).toBe('a string');

    const inner = new Error('inner');
    await expect(
      withLadder(net, () =>
        withLadder(net, async () => {
          throw inner;
        }),
      ),
    ).rejects.toBe(inner);
    expect(inner.message.split('Call flow').length).toBe(2);
  });
});
