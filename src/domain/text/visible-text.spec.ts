import { visibleText, withVisibleText } from './visible-text';

describe('visibleText', () => {
  it('escapes ESC, other controls, bidi overrides and line separators; leaves ordinary text (accents included) alone', () => {
    expect(visibleText('red \u001b[31mALERT\u001b[0m')).toBe('red \\u001b[31mALERT\\u001b[0m');
    expect(visibleText('abc\u202Edcba')).toBe('abc\\u202edcba');
    expect(visibleText('a\nb\tc\u0000\u007f\u0085\u2028\u2066')).toBe('a\\u000ab\\u0009c\\u0000\\u007f\\u0085\\u2028\\u2066');
    expect(visibleText('São Paulo: 5 sats, ok')).toBe('São Paulo: 5 sats, ok');
  });

  it('walks plain objects and arrays, leaving numbers, nulls and non-plain objects as they are', () => {
    const date = new Date(0);
    expect(withVisibleText({ a: 'x\u001b', b: [1, 'y\u202e', null], c: { d: true }, e: date })).toEqual({
      a: 'x\\u001b',
      b: [1, 'y\\u202e', null],
      c: { d: true },
      e: date,
    });
  });
});
