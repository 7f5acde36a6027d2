import { parseHostOverrides } from './parse-host-overrides';

describe('parseHostOverrides', () => {
  it('reads nothing from an unset or empty variable', () => {
    expect(parseHostOverrides(undefined)).toEqual({ ok: true, overrides: new Map() });
    expect(parseHostOverrides('  ')).toEqual({ ok: true, overrides: new Map() });
  });

  it('reads several entries, trimming spaces, lower-casing domains and dropping trailing slashes', () => {
    const result = parseHostOverrides(' Sandbox.Pix-Lightning.test=http://127.0.0.1:8080/ , pay.example.com=https://10.0.0.5/lnurl,');
    expect(result).toEqual({
      ok: true,
      overrides: new Map([
        ['sandbox.pix-lightning.test', 'http://127.0.0.1:8080'],
        ['pay.example.com', 'https://10.0.0.5/lnurl'],
      ]),
    });
  });

  it('reports every problem, one line each', () => {
    const result = parseHostOverrides(
      'nodomain,localhost=http://x,a.test=ftp://h,b.test=http://u:p@h,c.test=http://h/?q=1,d.test=::,e.test=http://h,e.test=http://i',
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      'LNURL_HOST_OVERRIDES: "nodomain" is not of the form domain=baseUrl',
      'LNURL_HOST_OVERRIDES: "localhost" needs at least two labels',
      'LNURL_HOST_OVERRIDES: a.test: "ftp://h" must be http:// or https://',
      'LNURL_HOST_OVERRIDES: b.test: the base URL must not carry credentials',
      'LNURL_HOST_OVERRIDES: c.test: the base URL must not have a query or fragment',
      'LNURL_HOST_OVERRIDES: d.test: "::" is not an absolute URL',
      'LNURL_HOST_OVERRIDES: "e.test" is listed twice',
    ]);
  });
});
