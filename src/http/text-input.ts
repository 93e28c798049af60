import { z } from 'zod';

/** C0 and C1 controls other than tab, line feed and carriage return; NUL among them, which Postgres cannot store. */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const INVISIBLE = /[\p{Cf}\p{Cc}]/gu;
const BLANK = /^[\s\p{Z}]+$/u;
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The characters a reader sees: format and control characters (zero-width spaces, joiners) and surrounding blanks
 * do not count, a space between words does, and a letter with combining marks or an emoji sequence counts once.
 */
export function visibleLength(text: string): number {
  // Printable ASCII has one character per grapheme and nothing invisible: most justifications take this path.
  if (PRINTABLE_ASCII.test(text)) return text.trim().length;
  const shown = [...graphemes.segment(text)]
    .map(({ segment }) => segment.replace(INVISIBLE, ''))
    .filter((segment) => segment !== '');
  const first = shown.findIndex((segment) => !BLANK.test(segment));
  if (first === -1) return 0;
  const last = shown.findLastIndex((segment) => !BLANK.test(segment));
  return last - first + 1;
}

/** Free text from a caller: well-formed, no control characters, at most `max` characters. */
export const freeText = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .max(max)
    .refine((value) => !CONTROL_CHARACTER.test(value), 'must not contain control characters')
    .refine((value) => value.isWellFormed(), 'must be well-formed Unicode');

const RFC_8187_UTF8 = /^UTF-8''(.*)$/is;

/**
 * Header values arrive as Latin-1. A header may carry UTF-8 as RFC 8187 percent-encoding (`UTF-8''Gr%C3%BC%C3%9Fe`)
 * or as raw UTF-8 bytes; both are read back as the text that was meant. Undefined for broken percent-encoding.
 */
export function decodeHeaderText(value: string): string | undefined {
  const encoded = RFC_8187_UTF8.exec(value);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      return undefined;
    }
  }
  if (!/[\u0080-\u00ff]/.test(value)) return value;
  const utf8 = Buffer.from(value, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? value : utf8;
}
