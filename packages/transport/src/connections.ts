import type { PeerAddress } from './via.js';

/**
 * Options for {@link ConnectionTable}.
 *
 * @public
 */
export interface ConnectionTableOptions {
  /**
   * Most connections at once.
   * @defaultValue 10000
   */
  maxConnections?: number;
  /**
   * Most connections from (or to) one remote address.
   * @defaultValue 64
   */
  maxPerAddress?: number;
  /**
   * Prefix of the flow ids handed out (`tcp-1`, `tcp-2` …).
   * @defaultValue 'flow'
   */
  prefix?: string;
}

interface Entry<C> {
  readonly flow: string;
  readonly connection: C;
  readonly remote: PeerAddress;
  readonly key: string;
}

/**
 * The connections of one stream transport, by flow id and by remote address and port, with the
 * limits that keep one peer from taking them all (RFC 3261 §18: responses and later requests
 * reuse an open connection to the same address and port). Socket-free: transports keep their
 * sockets in it.
 *
 * @public
 */
export class ConnectionTable<C> {
  readonly #byFlow = new Map<string, Entry<C>>();
  readonly #byRemote = new Map<string, Entry<C>>();
  readonly #perAddress = new Map<string, number>();
  readonly #max: number;
  readonly #maxPerAddress: number;
  readonly #prefix: string;
  #seq = 0;

  /**
   * @param options - limits and the flow-id prefix
   */
  constructor(options: ConnectionTableOptions = {}) {
    this.#max = options.maxConnections ?? 10000;
    this.#maxPerAddress = options.maxPerAddress ?? 64;
    this.#prefix = options.prefix ?? 'flow';
  }

  /** Number of connections held. */
  get size(): number {
    return this.#byFlow.size;
  }

  /**
   * Adds a connection, unless a limit says no.
   *
   * @param connection - the transport's connection object
   * @param remote - the peer's address and port
   * @returns its flow id, or undefined when the table is full or the address has too many
   */
  add(connection: C, remote: PeerAddress): string | undefined {
    const n = this.#perAddress.get(remote.address) ?? 0;
    if (this.#byFlow.size >= this.#max || n >= this.#maxPerAddress) return undefined;
    this.#perAddress.set(remote.address, n + 1);
    const entry: Entry<C> = {
      flow: `${this.#prefix}-${++this.#seq}`,
      connection,
      remote,
      key: `${remote.address}|${remote.port}`,
    };
    this.#byFlow.set(entry.flow, entry);
    this.#byRemote.set(entry.key, entry);
    return entry.flow;
  }

  /**
   * Removes a connection (when it closes).
   *
   * @param flow - its flow id
   */
  remove(flow: string): void {
    const entry = this.#byFlow.get(flow);
    if (entry === undefined) return;
    this.#byFlow.delete(flow);
    if (this.#byRemote.get(entry.key) === entry) this.#byRemote.delete(entry.key);
    const left = (this.#perAddress.get(entry.remote.address) ?? 1) - 1;
    if (left <= 0) this.#perAddress.delete(entry.remote.address);
    else this.#perAddress.set(entry.remote.address, left);
  }

  /**
   * The connection to use for a send: the named flow if it is held, else the latest connection
   * to the same address and port.
   *
   * @param to - destination
   * @param flow - preferred flow id
   */
  find(to: PeerAddress, flow?: string): C | undefined {
    const entry =
      (flow === undefined ? undefined : this.#byFlow.get(flow)) ?? this.#byRemote.get(`${to.address}|${to.port}`);
    return entry?.connection;
  }

  /** Every connection held. */
  *connections(): IterableIterator<C> {
    for (const e of this.#byFlow.values()) yield e.connection;
  }
}
