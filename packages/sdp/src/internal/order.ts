/**
 * RFC 8866 §5 and §9: the order of session-level lines (t, r and z form time descriptions) and
 * of the lines of a media description. The parser checks it; edits insert new lines by it.
 */
export const SESSION_RANK: Readonly<Record<string, number>> = {
  v: 0,
  o: 1,
  s: 2,
  i: 3,
  u: 4,
  e: 5,
  p: 6,
  c: 7,
  b: 8,
  t: 9,
  r: 10,
  z: 11,
  k: 12,
  a: 13,
};

/** The rank of `z=`, the last line of the time descriptions. */
export const Z_RANK = 11;

/** The order of the lines of a media description (RFC 8866 §5). */
export const MEDIA_RANK: Readonly<Record<string, number>> = { m: 0, i: 1, c: 2, b: 3, k: 4, a: 5 };
