/** Writes a SIP message from readable lines: LF becomes CRLF, leading indentation is kept. */
export function sip(strings: TemplateStringsArray, ...values: unknown[]): string {
  let s = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) s += String(values[i]) + (strings[i + 1] ?? '');
  return s.replace(/^\n/, '').replace(/\r?\n/g, '\r\n');
}

export const text = (b: Uint8Array) => new TextDecoder().decode(b);
