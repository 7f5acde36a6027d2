import { Http520Info, PayOutcome } from '../../application/ports/wallet.port';
import { classifyPayResponse } from './classify-pay-response';
import { HttpExchange } from './http-exchange';

const PREIMAGE = 'ab'.repeat(32);
const HASH = 'cd'.repeat(32);
const CF_HEADERS = { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare', 'cf-ray': '8a1b2c3d4e5f6789-GRU' };
const CF_HTML = '<!DOCTYPE html><html><body>Error code 520</body></html>';

function json(httpStatus: number, body: unknown, headers: Record<string, string> = {}): HttpExchange {
  return { kind: 'response', httpStatus, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
function text(httpStatus: number, body: string, headers: Record<string, string> = {}): HttpExchange {
  return { kind: 'response', httpStatus, headers, body };
}
function lnbits520(detail: string, status?: string): HttpExchange {
  return json(520, status === undefined ? { detail } : { detail, status });
}
const http520 = (detail: string, lnbitsStatus: string | null): Http520Info => ({ source: 'lnbits', detail, lnbitsStatus });

type Row = [string, HttpExchange, Partial<PayOutcome> & { kind: PayOutcome['kind'] }];

const rows: Row[] = [
  // 2xx, LNbits 1.x: the full Payment.
  [
    '1.x 201 success',
    json(201, { payment_hash: HASH, checking_id: HASH, amount: -21_000_000, fee: -1000, status: 'success', preimage: PREIMAGE }),
    { kind: 'settled', preimage: PREIMAGE, feeMsat: 1000 },
  ],
  [
    '1.x 201 success, upper-case preimage',
    json(201, { payment_hash: HASH, fee: -1000, status: 'success', preimage: PREIMAGE.toUpperCase() }),
    { kind: 'settled', preimage: PREIMAGE },
  ],
  [
    '1.x 201 success without preimage',
    json(201, { payment_hash: HASH, fee: 0, status: 'success', preimage: null }),
    { kind: 'settled', preimage: null, feeMsat: 0 },
  ],
  [
    '1.x 201 success, zero placeholder preimage',
    json(201, { payment_hash: HASH, status: 'success', preimage: '0'.repeat(64) }),
    { kind: 'settled', preimage: null, feeMsat: 0 },
  ],
  [
    '1.x 201 pending (payment not finished after ~5 s)',
    json(201, { payment_hash: HASH, fee: -2000, status: 'pending', preimage: null }),
    { kind: 'pending' },
  ],
  ['1.x 201 failed', json(201, { payment_hash: HASH, status: 'failed' }), { kind: 'failed', newInvoiceMayHelp: true }],
  ['2xx with an unknown status', json(201, { payment_hash: HASH, status: 'in_progress' }), { kind: 'unknown' }],
  // 2xx, LNbits 0.12: {payment_hash, checking_id} only.
  [
    '0.12 201 {payment_hash, checking_id}',
    json(201, { payment_hash: HASH, checking_id: HASH }),
    { kind: 'pending', reason: expect.stringContaining('0.12') },
  ],
  ['2xx, body not JSON', text(201, 'OK'), { kind: 'unknown' }],
  ['2xx, empty body', text(200, ''), { kind: 'unknown' }],
  ['2xx, JSON without a payment', json(200, { ok: true }), { kind: 'unknown' }],

  // LNbits' own 520s (docs/lightning.md examples).
  ['520 Insufficient balance. (failed)', lnbits520('Insufficient balance.', 'failed'), { kind: 'rejected', category: 'balance' }],
  [
    '520 fee reserve (failed)',
    lnbits520('You must reserve at least (2 sat) to cover potential routing fees.', 'failed'),
    { kind: 'rejected', category: 'balance' },
  ],
  [
    '520 fee reserve, 1.x double space',
    lnbits520('You must reserve at least (210  sat) to cover potential routing fees.', 'failed'),
    { kind: 'rejected', category: 'balance' },
  ],
  [
    '520 time limit between payments (failed)',
    lnbits520('The time limit of 10 seconds between payments has been reached.', 'failed'),
    { kind: 'rejected', category: 'limit' },
  ],
  [
    '520 Payment failed: <node error>',
    lnbits520('Payment failed: no route found', 'failed'),
    { kind: 'failed', newInvoiceMayHelp: true, http520: http520('Payment failed: no route found', 'failed') },
  ],
  [
    '520 Payment failed without message',
    lnbits520('Payment failed: without an error message.', 'failed'),
    { kind: 'failed', newInvoiceMayHelp: true },
  ],
  [
    '520 retrying is not possible',
    lnbits520('Payment is failed node, retrying is not possible.', 'failed'),
    { kind: 'failed', newInvoiceMayHelp: true, http520: http520('Payment is failed node, retrying is not possible.', 'failed') },
  ],
  [
    '520 Internal invoice already paid. (failed)',
    lnbits520('Internal invoice already paid.', 'failed'),
    { kind: 'failed', newInvoiceMayHelp: true },
  ],
  [
    '520 Invalid invoice. Bolt11 changed.',
    lnbits520('Invalid invoice. Bolt11 changed.', 'failed'),
    { kind: 'failed', newInvoiceMayHelp: true },
  ],
  ['520 Bolt11 decoding failed.', lnbits520('Bolt11 decoding failed.', 'failed'), { kind: 'failed', newInvoiceMayHelp: false }],
  [
    '520 Amountless invoices not supported.',
    lnbits520('Amountless invoices not supported.', 'failed'),
    { kind: 'failed', newInvoiceMayHelp: false },
  ],
  [
    '520 wallet cannot pay',
    lnbits520('Wallet does not have permission to pay invoices.', 'failed'),
    { kind: 'rejected', category: 'configuration' },
  ],
  ['520 incoming only', lnbits520('Only incoming payments allowed.', 'failed'), { kind: 'rejected', category: 'configuration' }],
  [
    '520 Payment is still pending.',
    lnbits520('Payment is still pending.', 'pending'),
    { kind: 'pending', http520: http520('Payment is still pending.', 'pending') },
  ],
  ['520 extension error (PaymentError default status pending)', lnbits520('Extension "x" disabled.', 'pending'), { kind: 'pending' }],
  [
    '520 Payment already paid. (success): confirmed by a status check',
    lnbits520('Payment already paid.', 'success'),
    { kind: 'pending', http520: http520('Payment already paid.', 'success') },
  ],
  [
    '520 already paid on the fundingsource (success)',
    lnbits520('Failed payment was already paid on the fundingsource.', 'success'),
    { kind: 'pending' },
  ],
  ['520 with an unknown status', lnbits520('Something', 'maybe'), { kind: 'unknown', http520: http520('Something', 'maybe') }],
  ['520 JSON without detail or status', json(520, {}), { kind: 'unknown', http520: http520('', null) }],
  // LNbits 0.12: 520 {detail} without a status.
  [
    '0.12 520 Payment failed',
    lnbits520('Payment failed: no route'),
    { kind: 'unknown', http520: http520('Payment failed: no route', null) },
  ],
  [
    '0.12 520 duplicate "Could not make payment."',
    lnbits520('Could not make payment.'),
    { kind: 'unknown', http520: http520('Could not make payment.', null) },
  ],
  [
    '0.12 520 fee reserve',
    lnbits520('You must reserve at least (2 sat) to cover potential routing fees.'),
    { kind: 'rejected', category: 'balance' },
  ],
  ['0.12 520 Payment already paid. without status', lnbits520('Payment already paid.'), { kind: 'unknown' }],
  [
    'LNbits 520 JSON through Cloudflare stays LNbits',
    json(520, { detail: 'Payment already paid.', status: 'success' }, { server: 'cloudflare', 'cf-ray': 'x-GRU' }),
    { kind: 'pending', http520: http520('Payment already paid.', 'success') },
  ],

  // Cloudflare pages.
  [
    'Cloudflare 520 HTML',
    text(520, CF_HTML, CF_HEADERS),
    { kind: 'unknown', http520: { source: 'cloudflare', httpStatus: 520, cfRay: '8a1b2c3d4e5f6789-GRU' } },
  ],
  [
    'Cloudflare 524 HTML',
    text(524, CF_HTML, CF_HEADERS),
    { kind: 'unknown', http520: { source: 'cloudflare', httpStatus: 524, cfRay: '8a1b2c3d4e5f6789-GRU' } },
  ],
  [
    'Cloudflare 502 HTML',
    text(502, CF_HTML, CF_HEADERS),
    { kind: 'unknown', http520: { source: 'cloudflare', httpStatus: 502, cfRay: '8a1b2c3d4e5f6789-GRU' } },
  ],
  [
    'Cloudflare 403 challenge page',
    text(403, CF_HTML, CF_HEADERS),
    { kind: 'unknown', http520: { source: 'cloudflare', httpStatus: 403, cfRay: '8a1b2c3d4e5f6789-GRU' } },
  ],
  [
    'HTML 520 with headers stripped',
    text(520, CF_HTML, { 'content-type': 'text/html' }),
    { kind: 'unknown', http520: { source: 'cloudflare', httpStatus: 520, cfRay: null } },
  ],
  ['empty 520 (origin sent nothing)', text(520, ''), { kind: 'unknown', http520: { source: 'cloudflare', httpStatus: 520, cfRay: null } }],
  [
    'upper-case header names',
    text(524, CF_HTML, { 'CF-RAY': 'ray-1', Server: 'cloudflare' }),
    { kind: 'unknown', http520: { source: 'cloudflare', httpStatus: 524, cfRay: 'ray-1' } },
  ],

  // Other statuses.
  ['500 JSON', json(500, { detail: 'Internal Server Error' }), { kind: 'unknown' }],
  ['502 from nginx', text(502, '<html>Bad Gateway</html>', { server: 'nginx' }), { kind: 'unknown' }],
  ['503', text(503, 'Service Unavailable'), { kind: 'unknown' }],
  ['504', text(504, ''), { kind: 'unknown' }],
  ['408', text(408, ''), { kind: 'unknown' }],
  ['401 missing/invalid key', json(401, { detail: 'Invalid key or wallet.' }), { kind: 'rejected', category: 'configuration' }],
  [
    '401 invoice key (1.x "Invoice (or Admin) key required.")',
    json(401, { detail: 'Invoice (or Admin) key required.' }),
    { kind: 'rejected', category: 'configuration' },
  ],
  ['403 wrong key kind', json(403, { detail: 'Invalid adminkey.' }), { kind: 'rejected', category: 'configuration' }],
  ['0.12 403 Insufficient balance.', json(403, { detail: 'Insufficient balance.' }), { kind: 'rejected', category: 'balance' }],
  ['404 Wallet not found.', json(404, { detail: 'Wallet not found.' }), { kind: 'rejected', category: 'configuration' }],
  ['404 route not found (wrong VOLTZ_URL)', json(404, { detail: 'Not Found' }), { kind: 'rejected', category: 'configuration' }],
  [
    '400 daily withdrawal limit',
    json(400, { detail: 'Daily withdrawal limit of 100000 sats reached.' }),
    { kind: 'rejected', category: 'limit' },
  ],
  ['400 amount too high', json(400, { detail: 'Amount in invoice is too high.' }), { kind: 'rejected', category: 'limit' }],
  [
    '400 spending disabled',
    json(400, { detail: 'It is not allowed to spend funds from this server.' }),
    { kind: 'rejected', category: 'limit' },
  ],
  ['400 bad body', json(400, { detail: 'BOLT11 string is invalid or not given' }), { kind: 'rejected', category: 'bad_request' }],
  [
    '0.12 400 Amountless invoices not supported.',
    json(400, { detail: 'Amountless invoices not supported.' }),
    { kind: 'rejected', category: 'bad_request' },
  ],
  [
    '422 validation error',
    json(422, { detail: [{ loc: ['body', 'bolt11'], msg: 'field required' }] }),
    { kind: 'rejected', category: 'bad_request' },
  ],
  ['429 rate limited', json(429, { detail: 'Rate limit exceeded' }), { kind: 'rejected', category: 'limit' }],
  [
    '307 redirect',
    text(307, '', { location: 'https://other.example/api/v1/payments' }),
    { kind: 'rejected', category: 'configuration', reason: expect.stringContaining('https://other.example') },
  ],

  // No answer at all.
  ['timeout', { kind: 'transport_error', code: 'ECONNABORTED', message: 'timeout of 30000ms exceeded' }, { kind: 'unknown' }],
  ['deadline abort', { kind: 'transport_error', code: 'ERR_CANCELED', message: 'canceled' }, { kind: 'unknown' }],
  ['ECONNRESET', { kind: 'transport_error', code: 'ECONNRESET', message: 'read ECONNRESET' }, { kind: 'unknown' }],
  ['socket hang up', { kind: 'transport_error', code: 'ECONNRESET', message: 'socket hang up' }, { kind: 'unknown' }],
  [
    'connection refused',
    { kind: 'transport_error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
    { kind: 'unknown' },
  ],
  [
    'response too large',
    { kind: 'transport_error', code: 'ERR_BAD_RESPONSE', message: 'maxContentLength size of 10485760 exceeded' },
    { kind: 'unknown' },
  ],
];

describe('classifyPayResponse', () => {
  it.each(rows)('%s', (_label, exchange, expected) => {
    expect(classifyPayResponse(exchange)).toMatchObject(expected);
  });

  it('gives every non-settled outcome a short, non-empty reason', () => {
    for (const [, exchange] of rows) {
      const outcome = classifyPayResponse(exchange);
      if (outcome.kind !== 'settled') expect(outcome.reason.length).toBeGreaterThan(0);
      if (outcome.kind !== 'settled') expect(outcome.reason.length).toBeLessThan(500);
    }
  });

  it('keeps an HTML page out of the reason', () => {
    const outcome = classifyPayResponse(text(520, `${CF_HTML}${'x'.repeat(5000)}`, CF_HEADERS));
    expect(outcome.kind === 'unknown' && outcome.reason).not.toContain('<html');
  });
});
