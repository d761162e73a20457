/**
 * One binding of an address-of-record to a contact (RFC 3261 §10), as a location service stores
 * it. Times are milliseconds on the clock of whoever calls the service (`now` arguments).
 *
 * @public
 */
export interface Binding {
  /**
   * What identifies the binding within its AOR: `instance|reg-id` for an RFC 5626 outbound
   * registration, `instance` for an RFC 5627 one without reg-id, else the contact URI in the
   * canonical form {@link bindingKey} gives (§10.3 step 6 compares contacts as URIs).
   */
  readonly key: string;
  /** The contact URI as registered (without the name-addr's angle brackets or header params). */
  readonly contact: string;
  /** When the binding expires (ms). */
  readonly expires: number;
  /** The `q` preference, 0–1, when given. */
  readonly q?: number | undefined;
  /** Call-ID of the REGISTER that last wrote it (§10.3 step 7). */
  readonly callId: string;
  /** CSeq number of that REGISTER. */
  readonly cseq: number;
  /** Path header values to reach the contact through (RFC 3327), in order. */
  readonly path?: readonly string[] | undefined;
  /** `+sip.instance` of the UA (RFC 5626 §4.1, RFC 5627), without its angle brackets. */
  readonly instance?: string | undefined;
  /** `reg-id` (RFC 5626). */
  readonly regId?: number | undefined;
  /** Where the REGISTER came from (a flow, for RFC 5626 outbound), as the registrar chose to record it. */
  readonly source?: string | undefined;
  /** When it was last written (ms). */
  readonly updated: number;
}

/**
 * One change a REGISTER asks for: write `binding` (its `expires` is in the future) or remove the
 * binding with that key (`remove: true`).
 *
 * @public
 */
export interface BindingChange {
  /** The binding as it should be; for a removal, its key, Call-ID and CSeq are what count. */
  readonly binding: Binding;
  /** Remove instead of write (Expires 0, §10.3 step 7). */
  readonly remove: boolean;
}

/**
 * What an update did: every binding of the AOR after it, or why nothing was changed.
 *
 * @public
 */
export type UpdateResult =
  | {
      /** Every change was applied, as one. */
      readonly ok: true;
      /** The AOR's bindings now, unexpired. */
      readonly bindings: readonly Binding[];
    }
  | {
      /** Nothing was changed. */
      readonly ok: false;
      /**
       * `out-of-order`: a binding exists with the same Call-ID and a higher CSeq (§10.3 step 7);
       * `too-many`: the AOR would hold more than `maxBindings`.
       */
      readonly reason: 'out-of-order' | 'too-many';
      /** The AOR's bindings, unchanged. */
      readonly bindings: readonly Binding[];
    };

/**
 * Where a registrar keeps bindings and a proxy finds them (RFC 3261 §10). Implementations: the
 * in-memory {@link MemoryLocationService}, `@sipkit/location-redis`, your own; the testkit's
 * location compliance suite checks any of them.
 *
 * Every change to one AOR is atomic: {@link LocationService.update} applies all of a REGISTER's
 * changes or none (§10.3 step 7), also when several server instances update the same AOR at once.
 *
 * @public
 */
export interface LocationService {
  /**
   * Applies one REGISTER's changes to an AOR, all or none. For each change, per §10.3 step 7,
   * against the binding with the same key: none, or one with another Call-ID → written or
   * removed; the same Call-ID and a lower CSeq → written or removed; the same Call-ID and the
   * same CSeq → a retransmission, left as it is; the same Call-ID and a higher CSeq → the whole
   * update fails `out-of-order`. Expired bindings are dropped first. If the AOR would then hold
   * more than `maxBindings` and more than it held before, the update fails `too-many` (an AOR
   * already over a lowered limit may still refresh or shrink).
   *
   * @param aor - canonical address-of-record
   * @param changes - what the REGISTER asks for
   * @param now - current time (ms)
   * @param maxBindings - most bindings the AOR may hold after the update
   */
  update(aor: string, changes: readonly BindingChange[], now: number, maxBindings: number): Promise<UpdateResult>;
  /**
   * Removes every binding of an AOR (`Contact: *` with Expires 0, §10.3 step 6), unless one with
   * the same Call-ID has a CSeq higher than or equal to `cseq` (then `out-of-order`, nothing
   * removed).
   *
   * @param aor - canonical address-of-record
   * @param callId - the REGISTER's Call-ID
   * @param cseq - its CSeq number
   * @param now - current time (ms)
   */
  removeAll(aor: string, callId: string, cseq: number, now: number): Promise<UpdateResult>;
  /**
   * The AOR's unexpired bindings, highest q first (no q counts as 1.0), most recently written first
   * among equals.
   *
   * @param aor - canonical address-of-record
   * @param now - current time (ms)
   */
  lookup(aor: string, now: number): Promise<readonly Binding[]>;
  /**
   * Drops expired bindings; returns how many. Stores whose backend expires entries itself may
   * do nothing here.
   *
   * @param now - current time (ms)
   */
  sweep(now: number): Promise<number>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
