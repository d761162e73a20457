/**
 * Limits the parser enforces. Past any of them is a {@link SipParseError}, never a hang.
 *
 * @public
 */
export interface ParserLimits {
  /**
   * Largest message, head and body, in bytes.
   * @defaultValue 65535
   */
  maxMessageSize: number;
  /**
   * Most header fields in one message.
   * @defaultValue 256
   */
  maxHeaders: number;
  /**
   * Longest line (start line or one physical header line), in bytes.
   * @defaultValue 8192
   */
  maxLineLength: number;
  /**
   * Most Via values in one message (fields and comma-separated values together).
   * @defaultValue 70
   */
  maxVias: number;
}

/**
 * The defaults: a UDP datagram's worth of message, room for a 70-hop Via stack.
 *
 * @public
 */
export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxMessageSize: 65535,
  maxHeaders: 256,
  maxLineLength: 8192,
  maxVias: 70,
});

/** @internal */
export function resolveLimits(partial: Partial<ParserLimits> | undefined): ParserLimits {
  if (partial === undefined) return DEFAULT_LIMITS;
  const out = { ...DEFAULT_LIMITS, ...partial };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v <= 0)
      throw new RangeError(`limits.${k} must be a positive integer, got ${String(v)}`);
  }
  return out;
}
