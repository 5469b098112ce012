/** XML 1.0 text and attribute escaping, including characters XML 1.0 cannot carry at all. */
import { stripAnsi } from './cells.ts';

/**
 * Characters XML 1.0 forbids even as references: C0 controls other than tab, LF and CR,
 * unpaired surrogates, and U+FFFE/U+FFFF. (With the `u` flag the class sees code points,
 * so a proper surrogate pair is one character and passes.)
 */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/gu;

/**
 * Makes any string representable in XML 1.0: terminal colour sequences are dropped and each
 * forbidden character becomes a visible \uXXXX so the reader still sees something was there.
 */
export function xmlSafe(text: string): string {
  return stripAnsi(text).replace(FORBIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const TEXT: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  // ">" is escaped too, so "]]>" can never appear in content.
  '>': '&gt;',
  // Parsers turn a literal CR (and CR LF) into LF; a reference keeps it.
  '\r': '&#13;',
};

/** Escaped character data for element content. */
export function escapeXmlText(text: string): string {
  return xmlSafe(text).replace(/[&<>\r]/g, (c) => TEXT[c] ?? c);
}

const ATTR: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // Parsers normalise literal whitespace in attributes to spaces; references survive.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escaped value for a double-quoted attribute. */
export function escapeXmlAttr(text: string): string {
  return xmlSafe(text).replace(/[&<>"'\t\n\r]/g, (c) => ATTR[c] ?? c);
}
