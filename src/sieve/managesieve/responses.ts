/** RFC 5804 §4 response syntax: strings quoted when they can be, literals otherwise. */
export function sieveString(text: string): string {
  if (/^[^\r\n"\\\0]*$/.test(text) && Buffer.byteLength(text) <= 1024) return `"${text}"`;
  return `{${Buffer.byteLength(text)}}\r\n${text}`;
}

/** RFC 5804 §4 response-oknobye = ("OK" / "NO" / "BYE") [SP "(" resp-code ")"] [SP string] CRLF */
export function statusLine(status: 'OK' | 'NO' | 'BYE', text: string, code?: string): string {
  return `${status}${code ? ` (${code})` : ''} ${sieveString(text)}\r\n`;
}
