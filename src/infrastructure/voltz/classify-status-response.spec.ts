import { PaymentStatus } from '../../application/ports/wallet.port';
import { classifyStatusResponse } from './classify-status-response';
import { HttpExchange } from './http-exchange';

const PREIMAGE = 'ef'.repeat(32);
const CF_HEADERS = { 'content-type': 'text/html', server: 'cloudflare', 'cf-ray': '77aa-GRU' };

function json(httpStatus: number, body: unknown): HttpExchange {
  return { kind: 'response', httpStatus, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
function text(httpStatus: number, body: string, headers: Record<string, string> = {}): HttpExchange {
  return { kind: 'response', httpStatus, headers, body };
}

const rows: [string, HttpExchange, PaymentStatus][] = [
  [
    '1.x paid',
    json(200, { paid: true, status: 'success', preimage: PREIMAGE, details: { status: 'success', fee: -1000 } }),
    { kind: 'settled', preimage: PREIMAGE, feeMsat: 1000 },
  ],
  [
    "paid without details (another wallet's key)",
    json(200, { paid: true, preimage: PREIMAGE }),
    { kind: 'settled', preimage: PREIMAGE, feeMsat: 0 },
  ],
  [
    '0.12 paid with details',
    json(200, { paid: true, preimage: PREIMAGE, details: { pending: false, fee: -2000 } }),
    { kind: 'settled', preimage: PREIMAGE, feeMsat: 2000 },
  ],
  [
    'preimage only in details',
    json(200, { paid: true, details: { status: 'success', fee: 0, preimage: PREIMAGE } }),
    { kind: 'settled', preimage: PREIMAGE, feeMsat: 0 },
  ],
  ['zero placeholder preimage', json(200, { paid: true, preimage: '0'.repeat(64) }), { kind: 'settled', preimage: null, feeMsat: 0 }],
  [
    'old version: paid:false but status success (success wins)',
    json(200, { paid: false, status: 'success', preimage: PREIMAGE, details: { status: 'pending', fee: -2000 } }),
    { kind: 'settled', preimage: PREIMAGE, feeMsat: 0 },
  ],
  [
    'failed (1.2.0+)',
    json(200, { paid: false, status: 'failed', details: { status: 'failed' } }),
    { kind: 'failed', reason: 'LNbits reports the payment failed' },
  ],
  ['pending', json(200, { paid: false, status: 'pending' }), { kind: 'pending' }],
  ['paid:false without status (node check failed)', json(200, { paid: false }), { kind: 'pending' }],
  ['paid:false with an unknown status', json(200, { paid: false, status: 'unknown' }), { kind: 'pending' }],
  [
    'contradiction: paid:true and status failed',
    json(200, { paid: true, status: 'failed' }),
    { kind: 'unknown', reason: expect.stringContaining('contradictory') },
  ],
  [
    'contradiction: paid:true and details failed',
    json(200, { paid: true, details: { status: 'failed' } }),
    { kind: 'unknown', reason: expect.stringContaining('contradictory') },
  ],
  ['404 Payment does not exist.', json(404, { detail: 'Payment does not exist.' }), { kind: 'not_found' }],
  [
    '404 Wallet not found.',
    json(404, { detail: 'Wallet not found.' }),
    { kind: 'rejected', reason: expect.stringContaining('Wallet not found.'), category: 'configuration' },
  ],
  ['404 of a wrong path', json(404, { detail: 'Not Found' }), { kind: 'unknown', reason: 'HTTP 404 "Not Found"' }],
  ['404 HTML from a proxy', text(404, '<html>nope</html>', { server: 'nginx' }), { kind: 'unknown', reason: 'HTTP 404' }],
  ['401', json(401, { detail: 'Invalid key or wallet.' }), { kind: 'rejected', reason: expect.any(String), category: 'configuration' }],
  ['403', json(403, { detail: 'Invalid adminkey.' }), { kind: 'rejected', reason: expect.any(String), category: 'configuration' }],
  ['302', text(302, '', { location: 'https://x' }), { kind: 'rejected', reason: expect.any(String), category: 'configuration' }],
  ['500', json(500, { detail: 'boom' }), { kind: 'unknown', reason: 'HTTP 500 "boom"' }],
  ['502', text(502, 'Bad Gateway'), { kind: 'unknown', reason: 'HTTP 502' }],
  ['Cloudflare 520', text(520, '<html></html>', CF_HEADERS), { kind: 'unknown', reason: expect.stringContaining('CF-RAY 77aa-GRU') }],
  ['Cloudflare 524', text(524, '<html></html>', CF_HEADERS), { kind: 'unknown', reason: expect.stringContaining('Cloudflare HTTP 524') }],
  ['200 garbage', text(200, '<html>'), { kind: 'unknown', reason: expect.any(String) }],
  ['200 empty object', json(200, {}), { kind: 'unknown', reason: expect.any(String) }],
  [
    'timeout',
    { kind: 'transport_error', code: 'ECONNABORTED', message: 'timeout of 300ms exceeded' },
    { kind: 'unknown', reason: expect.stringContaining('ECONNABORTED') },
  ],
  [
    'reset',
    { kind: 'transport_error', code: 'ECONNRESET', message: 'socket hang up' },
    { kind: 'unknown', reason: expect.stringContaining('socket hang up') },
  ],
];

describe('classifyStatusResponse', () => {
  it.each(rows)('%s', (_label, exchange, expected) => {
    expect(classifyStatusResponse(exchange)).toEqual(expected);
  });
});
