// RFC 3551 §6 Tables 4 and 5: the static RTP payload types, used for formats without a=rtpmap.

/** name, clock rate, channels (audio) by static payload type. */
export const STATIC_PAYLOADS: ReadonlyMap<number, readonly [string, number, number | undefined]> = new Map([
  [0, ['PCMU', 8000, 1]],
  [3, ['GSM', 8000, 1]],
  [4, ['G723', 8000, 1]],
  [5, ['DVI4', 8000, 1]],
  [6, ['DVI4', 16000, 1]],
  [7, ['LPC', 8000, 1]],
  [8, ['PCMA', 8000, 1]],
  [9, ['G722', 8000, 1]],
  [10, ['L16', 44100, 2]],
  [11, ['L16', 44100, 1]],
  [12, ['QCELP', 8000, 1]],
  [13, ['CN', 8000, 1]],
  [14, ['MPA', 90000, undefined]],
  [15, ['G728', 8000, 1]],
  [16, ['DVI4', 11025, 1]],
  [17, ['DVI4', 22050, 1]],
  [18, ['G729', 8000, 1]],
  [25, ['CelB', 90000, undefined]],
  [26, ['JPEG', 90000, undefined]],
  [28, ['nv', 90000, undefined]],
  [31, ['H261', 90000, undefined]],
  [32, ['MPV', 90000, undefined]],
  [33, ['MP2T', 90000, undefined]],
  [34, ['H263', 90000, undefined]],
] as const);

/** @returns the static payload type of this codec (RFC 3551), or undefined. */
export function staticPayloadType(name: string, clockRate: number, channels: number | undefined): number | undefined {
  const n = name.toLowerCase();
  for (const [pt, [sn, rate, ch]] of STATIC_PAYLOADS) {
    if (sn.toLowerCase() === n && rate === clockRate && (channels ?? 1) === (ch ?? 1)) return pt;
  }
  return undefined;
}
