/**
 * Repairs text decoded from windows-1252 on Node 20 (internal). The Encoding Standard maps the
 * labels `windows-1252`, `iso-8859-1`, `latin1` and `us-ascii` all to windows-1252, where bytes
 * 0x80–0x9F are `€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ`; Node 20's `TextDecoder`
 * (which `postal-mime` uses) decodes them as the C1 control characters U+0080–U+009F instead. No
 * mail text means a C1 control, so those code points are mapped to what the sender wrote.
 */
const WINDOWS_1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d,
  0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x9d, 0x017e, 0x0178,
];

const C1 = /[\u0080-\u009f]/g;

/** Maps C1 controls to their windows-1252 characters; other text is returned as it is. */
export function repairWindows1252(text: string): string;
export function repairWindows1252(text: string | undefined): string | undefined;
export function repairWindows1252(text: string | undefined): string | undefined {
  if (text === undefined || !C1.test(text)) return text;
  C1.lastIndex = 0;
  return text.replace(C1, (c) =>
    String.fromCharCode(WINDOWS_1252_C1[c.charCodeAt(0) - 0x80] ?? c.charCodeAt(0)),
  );
}
