/**
 * Control characters (C0, DEL, C1), bidirectional controls and line
 * separators: in text from outside (an LNURL server's `reason`, a wallet's
 * error detail) they would drive a terminal (ESC) or reverse what an admin
 * page shows (U+202E).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The text with each such character replaced by a visible escape (`\u001b`), so it is stored, logged and shown inert. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every string inside a plain value (objects, arrays) made visible; other values as they are. */
export function withVisibleText<T>(value: T): T {
  if (typeof value === 'string') return visibleText(value) as T;
  if (Array.isArray(value)) return value.map((item) => withVisibleText(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withVisibleText(item)])) as T;
  }
  return value;
}
