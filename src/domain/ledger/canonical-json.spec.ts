import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  // Fixtures: input, and the exact text every writer and verifier must agree on.
  const fixtures: [string, unknown, string][] = [
    ['sorted keys, no whitespace', { b: 1, a: { d: [1, 2], c: 'x' } }, '{"a":{"c":"x","d":[1,2]},"b":1}'],
    ['keys sorted by code units, not locale', { b: 1, B: 2, é: 3, _: 4 }, '{"B":2,"_":4,"b":1,"é":3}'],
    ['numbers as JavaScript prints them', [1e21, 0.1, -0, 1.5e-7, 2 ** 53 - 1, 100], '[1e+21,0.1,0,1.5e-7,9007199254740991,100]'],
    ['strings escaped as JSON.stringify does', { s: 'a"b\\c\n\u2028é\u0001' }, '{"s":"a\\"b\\\\c\\n\u2028é\\u0001"}'],
    ['undefined members dropped, undefined in arrays is null', { a: undefined, b: [undefined, null] }, '{"b":[null,null]}'],
    ['non-finite numbers are null', [NaN, Infinity], '[null,null]'],
    ['toJSON honoured', { at: new Date('2025-07-09T12:00:00Z') }, '{"at":"2025-07-09T12:00:00.000Z"}'],
    ['lone surrogates escaped as JSON.stringify does', ['\ud800x', '⚡'], '["\\ud800x","⚡"]'],
    ['empty containers', { a: {}, b: [] }, '{"a":{},"b":[]}'],
  ];

  it.each(fixtures)('%s', (_name, value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('gives a value and its stored-and-parsed copy the same text', () => {
    const value = { z: [{ y: 1, x: undefined }], amount: 21000, note: 'ção', at: new Date(0) };
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
  });

  it('refuses BigInt, which JSON cannot hold', () => {
    expect(() => canonicalJson({ amount: 1n })).toThrow(/BigInt/);
  });
});
