import { createRequest, parseMessage, serialize } from '@sipkit/parser';
import type { Transport, TransportEvent } from '@sipkit/transport';

/**
 * Two transports of one kind that can reach each other, made fresh for each check.
 *
 * @public
 */
export interface TransportPair {
  /** The sending side. */
  readonly a: Transport;
  /** The receiving side; `a` sends to `b.local`. */
  readonly b: Transport;
  /** Closes both (and anything else the factory made). */
  close(): Promise<void>;
}

/**
 * One check of a compliance suite (transport, location service): run it, and it rejects when the
 * implementation falls short.
 *
 * @public
 */
export interface ComplianceCheck {
  /** What the check demands, as a sentence. */
  readonly name: string;
  /** Runs the check on a fresh pair; rejects with the reason when the implementation falls short. */
  run(): Promise<void>;
}

function message(callId: string): Uint8Array {
  return serialize(
    createRequest({
      method: 'OPTIONS',
      uri: 'sip:compliance.invalid',
      headers: [
        ['Via', `SIP/2.0/UDP compliance.invalid;branch=z9hG4bK${callId}`],
        ['To', '<sip:compliance.invalid>'],
        ['From', '<sip:compliance.invalid>;tag=c'],
        ['Call-ID', callId],
        ['CSeq', '1 OPTIONS'],
      ],
    }),
  );
}

function callIdOf(e: TransportEvent): string | undefined {
  if (e.type !== 'message') return undefined;
  const m = e.message ?? (e.bytes === undefined ? undefined : parseMessage(e.bytes));
  return m?.callId;
}

/** Collects message events and resolves when `count` have arrived, or rejects after `ms`. */
function collect(t: Transport, count: number, ms: number): Promise<TransportEvent[]> {
  const got: TransportEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${t.protocol}: ${got.length} of ${count} messages arrived in ${ms} ms`)),
      ms,
    );
    t.listen((e) => {
      if (e.type !== 'message') return;
      got.push(e);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/**
 * The transport compliance suite: checks any {@link Transport} must pass, as plain functions so
 * that any test runner can run them (`for (const c of checks) it(c.name, c.run)`). Socket
 * transports, the testkit's {@link VirtualNetwork} and users' own transports all run it.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { transportComplianceChecks } from '@sipkit/testkit';
 *
 * describe('my transport', () => {
 *   for (const c of transportComplianceChecks(makeMyPair)) it(c.name, () => c.run());
 * });
 * ```
 *
 * @param makePair - makes two fresh transports that can reach each other
 * @param timeoutMs - how long a check waits for messages
 * @defaultValue timeoutMs 2000
 * @public
 */
export function transportComplianceChecks(makePair: () => Promise<TransportPair>, timeoutMs = 2000): ComplianceCheck[] {
  const withPair = async (body: (p: TransportPair) => Promise<void>): Promise<void> => {
    const pair = await makePair();
    try {
      await body(pair);
    } finally {
      await pair.close();
    }
  };
  return [
    {
      name: 'describes itself consistently: reliable unless UDP, secure for TLS and WSS',
      run: () =>
        withPair(async ({ a }) => {
          check(a.reliable === (a.protocol !== 'udp'), `${a.protocol}: reliable is ${a.reliable}`);
          check(a.secure === (a.protocol === 'tls' || a.protocol === 'wss'), `${a.protocol}: secure is ${a.secure}`);
        }),
    },
    {
      name: 'delivers a message whole, with the sender as its source',
      run: () =>
        withPair(async ({ a, b }) => {
          const arrived = collect(b, 1, timeoutMs);
          await a.send(message('whole-1'), b.local);
          const [e] = await arrived;
          check(callIdOf(e as TransportEvent) === 'whole-1', 'the message did not arrive whole');
          check(
            (e as TransportEvent).source.address.replace(/^::ffff:/, '') === a.local.address.replace(/^::ffff:/, '') ||
              a.local.address.endsWith('.invalid'),
            `source ${(e as TransportEvent).source.address} is not ${a.local.address}`,
          );
        }),
    },
    {
      name: 'lets the receiver answer on the flow the message came on',
      run: () =>
        withPair(async ({ a, b }) => {
          const atB = collect(b, 1, timeoutMs);
          await a.send(message('flow-1'), b.local);
          const [e] = await atB;
          const atA = collect(a, 1, timeoutMs);
          await b.send(message('flow-2'), (e as TransportEvent).source, (e as TransportEvent).flow);
          const [back] = await atA;
          check(callIdOf(back as TransportEvent) === 'flow-2', 'the answer did not come back');
        }),
    },
    {
      name: 'delivers messages sent back to back, every one (in order on reliable transports)',
      run: () =>
        withPair(async ({ a, b }) => {
          const ids = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
          const arrived = collect(b, ids.length, timeoutMs);
          for (const id of ids) await a.send(message(id), b.local);
          const got = (await arrived).map(callIdOf);
          if (a.reliable) check(got.join() === ids.join(), `order: ${got.join()}`);
          else check([...got].sort().join() === [...ids].sort().join(), 'some messages were lost');
        }),
    },
    {
      name: 'closes cleanly and idempotently; a send to a closed peer fails or vanishes, never throws synchronously',
      run: () =>
        withPair(async ({ a, b }) => {
          await b.close();
          await b.close();
          let threw = false;
          try {
            await a.send(message('closed-1'), b.local).catch(() => undefined);
          } catch {
            threw = true;
          }
          check(!threw, 'send threw synchronously');
        }),
    },
  ];
}
