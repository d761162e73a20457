import { createHash } from 'node:crypto';
import {
  type Binding,
  type BindingChange,
  type LocationService,
  sortBindings,
  type UpdateResult,
} from '@sipkit/registrar';
import type { Cluster, Redis } from 'ioredis';
import { REMOVE_ALL, UPDATE } from './internal/scripts.js';

/**
 * Options of {@link RedisLocationService}.
 *
 * @public
 */
export interface RedisLocationServiceOptions {
  /**
   * An ioredis client: a `Redis` for one server (or a Sentinel-managed one), a `Cluster` for Redis
   * Cluster. The caller owns it: {@link RedisLocationService.close} leaves it connected, so
   * several services (or other code) may share one client.
   */
  readonly redis: Redis | Cluster;
  /**
   * Put before every key. Must not contain `{` or `}`: the AOR in braces is the key's hash tag,
   * which keeps each AOR in one cluster slot.
   *
   * @defaultValue `'sipkit:loc:'`
   */
  readonly prefix?: string;
}

interface Script {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const updateScript = script(UPDATE);
const removeAllScript = script(REMOVE_ALL);

/**
 * A {@link LocationService} on Redis or Redis Cluster, shared by every server instance that
 * points at the same Redis: a binding written through one is found through all.
 *
 * Each AOR is one Redis hash under `prefix + '{' + aor + '}'` (field: the binding key, value: the
 * binding as JSON). {@link RedisLocationService.update} and {@link RedisLocationService.removeAll}
 * each run as one Lua script (EVALSHA, EVAL when the server's script cache lacks it), so the
 * RFC 3261 §10.3 step 7 decision and the write are atomic, however many instances update the same
 * AOR at once; the rules are those of `applyChanges` in `@sipkit/registrar`. After each update the
 * key is set to expire with its latest binding (PEXPIRE to that binding's `expires` counted from
 * the caller's `now`, which is PEXPIREAT of `expires` when the caller's clock is the wall clock, and
 * keeps working on a virtual clock in tests), so Redis deletes dead AORs by itself, and reads skip
 * expired bindings of live AORs.
 *
 * Times are the `now` arguments (ms); the service never reads Redis TIME or a clock of its own.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisLocationService } from '@sipkit/location-redis';
 *
 * const redis = new Redis('redis://127.0.0.1:6379');
 * const location = new RedisLocationService({ redis });
 * console.log(await location.lookup('sip:alice@example.com', Date.now()));
 * ```
 *
 * @public
 */
export class RedisLocationService implements LocationService {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;
  #closed = false;

  /**
   * @param options - the Redis client and the key prefix
   * @throws TypeError when the prefix contains `{` or `}`
   */
  constructor(options: RedisLocationServiceOptions) {
    const prefix = options.prefix ?? 'sipkit:loc:';
    if (/[{}]/.test(prefix)) {
      throw new TypeError(`RedisLocationService: prefix ${JSON.stringify(prefix)} contains { or }`);
    }
    this.#redis = options.redis;
    this.#prefix = prefix;
  }

  /**
   * The Redis key of an AOR's hash: the prefix, then the AOR in braces (its cluster hash tag).
   *
   * @param aor - canonical address-of-record
   */
  keyFor(aor: string): string {
    return `${this.#prefix}{${aor}}`;
  }

  /** @inheritDoc */
  async update(
    aor: string,
    changes: readonly BindingChange[],
    now: number,
    maxBindings: number,
  ): Promise<UpdateResult> {
    const args: string[] = [String(now), String(maxBindings)];
    for (const { binding, remove } of changes) args.push(remove ? '-' : '+', encode(binding));
    return result(await this.#run(updateScript, aor, args));
  }

  /** @inheritDoc */
  async removeAll(aor: string, callId: string, cseq: number, now: number): Promise<UpdateResult> {
    return result(await this.#run(removeAllScript, aor, [String(now), callId, String(cseq)]));
  }

  /** @inheritDoc */
  async lookup(aor: string, now: number): Promise<readonly Binding[]> {
    this.#open();
    const all = await this.#redis.hvals(this.keyFor(aor));
    return sortBindings(all.map(decode).filter((b) => b.expires > now));
  }

  /**
   * Returns 0: Redis deletes an AOR's key when its latest binding expires, reads skip expired
   * bindings, and the next update or removeAll of an AOR drops its expired bindings. There is
   * nothing left for a sweep to do.
   *
   * @param _now - current time (ms)
   */
  async sweep(_now: number): Promise<number> {
    this.#open();
    return 0;
  }

  /**
   * Stops this service; calls after it reject. The Redis client stays connected: it belongs to
   * the caller, who quits it.
   */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new Error('RedisLocationService: closed');
  }

  async #run(s: Script, aor: string, args: readonly string[]): Promise<string[]> {
    this.#open();
    const key = this.keyFor(aor);
    try {
      return (await this.#redis.evalsha(s.sha, 1, key, ...args)) as string[];
    } catch (e) {
      // A server that restarted or ran SCRIPT FLUSH has forgotten the script: send it whole.
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return (await this.#redis.eval(s.source, 1, key, ...args)) as string[];
    }
  }
}

/** The binding as JSON with its fields in a fixed order and nothing that was not given. */
function encode(b: Binding): string {
  if (!Number.isFinite(b.expires) || !Number.isFinite(b.cseq) || !Number.isFinite(b.updated)) {
    throw new TypeError(`RedisLocationService: binding ${b.key} has a time or CSeq that is not a finite number`);
  }
  const o: { -readonly [K in keyof Binding]: Binding[K] } = {
    key: b.key,
    contact: b.contact,
    expires: b.expires,
    callId: b.callId,
    cseq: b.cseq,
    updated: b.updated,
  };
  if (b.q !== undefined) o.q = b.q;
  if (b.path !== undefined) o.path = b.path;
  if (b.instance !== undefined) o.instance = b.instance;
  if (b.regId !== undefined) o.regId = b.regId;
  if (b.source !== undefined) o.source = b.source;
  return JSON.stringify(o);
}

function decode(json: string): Binding {
  return JSON.parse(json) as Binding;
}

function result(reply: string[]): UpdateResult {
  const [status, ...rest] = reply;
  const bindings = sortBindings(rest.map(decode));
  if (status === 'ok') return { ok: true, bindings };
  if (status === 'out-of-order' || status === 'too-many') return { ok: false, reason: status, bindings };
  throw new Error(`RedisLocationService: unexpected script reply ${JSON.stringify(status)}`);
}
