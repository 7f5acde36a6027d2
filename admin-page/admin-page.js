// The admin page. Every value from the server is put in the DOM with textContent (never innerHTML):
// orderIds, lastError and event data come from outside and may hold markup.
'use strict';

const KEY_STORAGE = 'pll-admin-key';
const REFRESH_MS = 3000;
/** A queued order this far past its due time means the sweep is not running. */
const OVERDUE_MS = 10 * 60 * 1000;
const PAYOUTS_PAGE = 50;

/**
 * `payoutsCursors` holds the cursor of every page from the newest down to the
 * one shown (null: the first), so Newer steps back without the API paging backwards.
 */
const state = {
  key: null,
  timer: null,
  openOrderId: null,
  payoutsQuery: { status: '', orderId: '' },
  payoutsCursors: [null],
  payoutsNext: null,
  payoutsRender: 0,
};

const $ = (id) => document.getElementById(id);

/** Builds an element; children are nodes or strings (strings become text nodes, so they are never parsed as HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const badge = (text, cls = text) => el('span', { class: `badge ${cls}` }, text);
const unavailable = (what) => el('p', { class: 'unavailable' }, `${what} is not available on this server yet.`);
const errorLine = (message) => el('p', { class: 'error' }, message);
const fmtInt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');

function fmtTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? String(iso)
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

function fmtAgo(iso) {
  if (!iso) return '';
  const ms = Date.now() - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const abs = Math.abs(ms);
  const text =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 172_800_000
          ? `${(abs / 3_600_000).toFixed(1)} h`
          : `${Math.round(abs / 86_400_000)} d`;
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}

/** A long id or invoice as `head…tail`, the whole value in its title, with a button that copies it. */
function short(value, keep = 24) {
  if (value === null || value === undefined || value === '') return '–';
  const text = String(value);
  if (text.length <= keep) return text;
  const copy = el(
    'button',
    { type: 'button', class: 'copy secondary', title: 'Copy', onclick: () => void window.navigator.clipboard?.writeText(text) },
    'copy',
  );
  return el('span', { class: 'short', title: text, dataset: { full: text } }, `${text.slice(0, 10)}…${text.slice(-8)}`, copy);
}

/** Stale: the balance was read more than three probe periods ago (or never). */
const STALE_BALANCE_MS = 3 * 30_000;

function table(headers, rows, empty) {
  if (rows.length === 0) return el('p', { class: 'muted' }, empty);
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', {}, h)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

function replace(id, ...nodes) {
  $(id).replaceChildren(...nodes.flat().filter(Boolean));
}

class ApiError extends Error {
  constructor(status, body) {
    super(
      `${status}${body && body.code ? ` ${body.code}` : ''}: ` +
        `${body && body.message ? [].concat(body.message).join('; ') : 'request failed'}`,
    );
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body, key = state.key) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** A panel whose endpoint may not exist on this server (404 with no code of ours), or may fail: it says so instead of breaking the page. */
async function optional(path) {
  try {
    return { ok: true, body: await api('GET', path) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { ok: false, missing: true, error };
    return { ok: false, missing: false, error };
  }
}

// ---------- session ----------

async function signIn(key) {
  // The fallback queue is an admin-only route that always exists: a cheap check of the key and its role.
  await api('GET', '/v1/admin/fallback-queue', undefined, key);
  state.key = key;
  sessionStorage.setItem(KEY_STORAGE, key);
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('session').hidden = false;
  await refresh();
  state.timer = setInterval(() => void refresh(), REFRESH_MS);
}

function signOut(message) {
  clearInterval(state.timer);
  state.key = null;
  state.openOrderId = null;
  sessionStorage.removeItem(KEY_STORAGE);
  $('dashboard').hidden = true;
  $('session').hidden = true;
  $('login').hidden = false;
  $('key').value = '';
  showLoginError(message);
}

function showLoginError(message) {
  $('login-error').hidden = !message;
  $('login-error').textContent = message || '';
}

function describeLoginFailure(error) {
  if (error instanceof ApiError && error.status === 401)
    return `That key was not accepted (${error.body?.code ?? 'unauthorized'}). Check it and try again.`;
  if (error instanceof ApiError && error.status === 403) return 'That key is valid but is not an admin key.';
  return `Could not reach the service: ${error.message}`;
}

// ---------- refresh ----------

let refreshing = false;

async function refresh() {
  if (refreshing || !state.key) return;
  refreshing = true;
  try {
    const [stats, voltz, queue, recon, needs, series] = await Promise.all([
      optional('/v1/admin/stats'),
      optional('/v1/admin/voltz/status'),
      optional('/v1/admin/fallback-queue'),
      optional('/v1/admin/reconciliation'),
      optional('/v1/admin/payouts?status=NEEDS_ATTENTION&limit=100'),
      optional('/v1/admin/stats/series?hours=24'),
    ]);
    const unauthorized = [stats, voltz, queue, recon, needs, series].find(
      (r) => !r.ok && r.error instanceof ApiError && r.error.status === 401,
    );
    if (unauthorized) return signOut('The key is no longer accepted; sign in again.');
    renderBanners(stats, voltz, queue, needs);
    renderNeeds(needs);
    renderCharts(series);
    renderStats(stats);
    renderVoltz(voltz);
    renderQueue(queue);
    renderReconciliation(recon);
    await Promise.all([renderPayouts(), state.openOrderId ? renderTimeline(state.openOrderId) : null]);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } finally {
    refreshing = false;
  }
}

function walletOf(voltz) {
  // The balance may sit under `wallet` or at the top level of the status.
  const w = voltz.wallet ?? {};
  const balanceMsat = w.balanceMsat ?? voltz.balanceMsat;
  const neededMsat = w.neededMsat ?? voltz.neededMsat;
  const low = w.low ?? (typeof balanceMsat === 'number' && typeof neededMsat === 'number' ? balanceMsat < neededMsat : undefined);
  return { balanceMsat, neededMsat, low, balanceAt: w.balanceAt ?? null };
}

function renderBanners(stats, voltz, queue, needs) {
  const banners = [];
  if (voltz.ok) {
    if (voltz.body.breaker === 'open')
      banners.push(
        el(
          'div',
          { class: 'banner bad', id: 'banner-breaker' },
          `Voltz circuit breaker OPEN since ${fmtTime(voltz.body.since)}: no payment is being sent. Status checks ` +
            `continue; recovery triggers a sweep.`,
        ),
      );
    if (voltz.body.breaker === 'half_open')
      banners.push(
        el(
          'div',
          { class: 'banner warn', id: 'banner-breaker' },
          'Voltz circuit breaker half-open: an invoice probe (no money moves) decides; no order is the trial.',
        ),
      );
    const wallet = walletOf(voltz.body);
    if (wallet.low)
      banners.push(
        el(
          'div',
          { class: 'banner bad', id: 'banner-wallet' },
          `Wallet balance too low: ${fmtInt(Math.floor(wallet.balanceMsat / 1000))} sats available, ` +
            `${fmtInt(Math.ceil(wallet.neededMsat / 1000))} sats needed. Payouts wait until a top-up.`,
        ),
      );
  }
  if (needs.ok && needs.body.items.length > 0) {
    const n = needs.body.items.length;
    banners.push(
      el(
        'div',
        { class: 'banner bad', id: 'banner-attention' },
        `${n}${needs.body.nextCursor ? '+' : ''} payout(s) NEED A PERSON: see "Needs a person" below.`,
      ),
    );
  }
  if (queue.ok) {
    const overdue = queue.body.items.filter((item) => Date.now() - Date.parse(item.nextAttemptAt) > OVERDUE_MS).length;
    if (overdue > 0)
      banners.push(el('div', { class: 'banner warn' }, `${overdue} queued payout(s) are more than 10 min past due: is the sweep running?`));
  }
  if (stats.ok && stats.body.projectionLagMs > 10_000)
    banners.push(
      el(
        'div',
        { class: 'banner warn' },
        `Read models trail the ledger by ${Math.round(stats.body.projectionLagMs / 1000)} s: lists may be stale.`,
      ),
    );
  replace('banners', banners);
}

function renderStats(stats) {
  if (!stats.ok) return replace('stats', stats.missing ? unavailable('The statistics endpoint') : errorLine(stats.error.message));
  const s = stats.body;
  const byStatus = Object.entries(s.byStatus ?? {}).map(([status, n]) => el('div', {}, badge(status), ' ', fmtInt(n)));
  const last = s.settled?.last24h ?? {};
  const total = s.settled?.total ?? {};
  replace(
    'stats',
    el('div', { class: 'statuses' }, byStatus),
    el(
      'dl',
      { class: 'figures' },
      el('dt', {}, 'Settled, last 24 h'),
      el('dd', {}, `${fmtInt(last.count)} payouts · ${fmtInt(last.sats)} sats · fees ${fmtInt(last.feeMsat)} msat`),
      el('dt', {}, 'Settled, total'),
      el('dd', {}, `${fmtInt(total.count)} payouts · ${fmtInt(total.sats)} sats · fees ${fmtInt(total.feeMsat)} msat`),
      el('dt', {}, 'Fallback queue'),
      el(
        'dd',
        {},
        `${fmtInt(s.fallbackQueue?.depth)} · oldest ${s.fallbackQueue?.oldestQueuedAt ? fmtAgo(s.fallbackQueue.oldestQueuedAt) : '–'}`,
      ),
      el('dt', {}, 'Voltz 520s, 24 h'),
      el('dd', {}, `LNbits ${fmtInt(s.voltz520Last24h?.lnbits)} · Cloudflare ${fmtInt(s.voltz520Last24h?.cloudflare)}`),
      el('dt', {}, 'Projection lag'),
      el('dd', {}, `${fmtInt(s.projectionLagMs)} ms`),
    ),
  );
}

function renderVoltz(voltz) {
  if (!voltz.ok) return replace('voltz', voltz.missing ? unavailable('The Voltz status') : errorLine(voltz.error.message));
  const v = voltz.body;
  const wallet = walletOf(v);
  const recent = (v.recent ?? []).slice(0, 8); // newest first, as the monitor lists them
  replace(
    'voltz',
    el(
      'dl',
      { class: 'figures' },
      el('dt', {}, 'Breaker'),
      el('dd', {}, badge(v.breaker ?? '?'), ` since ${fmtTime(v.since)}`),
      el('dt', {}, 'Unknown POSTs in a row'),
      el('dd', {}, fmtInt(v.consecutiveUnknownPosts)),
      el('dt', {}, 'Availability, 1 h'),
      el('dd', {}, typeof v.availabilityLastHour === 'number' ? `${(v.availabilityLastHour * 100).toFixed(1)} %` : '–'),
      el('dt', {}, 'Balance'),
      el(
        'dd',
        { id: 'wallet-balance' },
        typeof wallet.balanceMsat === 'number'
          ? `${fmtInt(Math.floor(wallet.balanceMsat / 1000))} sats`
          : el('span', { class: 'unavailable' }, 'not available'),
        wallet.balanceAt ? ` as of ${fmtTime(wallet.balanceAt)}` : '',
        !wallet.balanceAt || Date.now() - Date.parse(wallet.balanceAt) > STALE_BALANCE_MS
          ? [' ', el('span', { class: 'stale', id: 'balance-stale' }, 'STALE: the wallet probe is failing')]
          : '',
        typeof wallet.neededMsat === 'number' ? ` · open payouts need ${fmtInt(Math.ceil(wallet.neededMsat / 1000))} sats` : '',
        wallet.low ? [' ', badge('LOW', 'bad')] : '',
      ),
    ),
    table(
      ['When', 'Call', 'Result', 'ms', 'Detail'],
      recent.map((r) =>
        el(
          'tr',
          {},
          el('td', {}, fmtTime(r.at)),
          el('td', {}, r.kind),
          el('td', {}, badge(r.ok ? 'ok' : 'failed', r.ok ? 'ok' : 'bad')),
          el('td', {}, fmtInt(r.latencyMs)),
          el('td', { class: r.ok ? undefined : 'why' }, r.detail ?? ''),
        ),
      ),
      'No wallet calls yet.',
    ),
  );
}

/** Which actions an order in each status offers (the server still decides: a refused action shows its 409). */
const BUTTONS = [
  { action: 'timeline', label: 'Timeline', class: 'secondary small', when: () => true },
  { action: 'retry', label: 'Retry', class: 'small', when: (s) => ['RETRY_QUEUED', 'NEEDS_ATTENTION', 'PAYING', 'RESOLVING'].includes(s) },
  { action: 'cancel', label: 'Cancel', class: 'small danger', when: (s) => !['SETTLED', 'CANCELLED'].includes(s) },
  { action: 'acknowledge', label: 'Acknowledge', class: 'small secondary', when: (s) => s === 'NEEDS_ATTENTION' },
];

function actionButtons(item) {
  const run = (action) => (action === 'timeline' ? void openTimeline(item.orderId) : confirmAction(action, item.orderId));
  return el(
    'td',
    { class: 'actions' },
    BUTTONS.filter((b) => b.when(item.status)).map((b) =>
      el(
        'button',
        { type: 'button', class: b.class, dataset: { action: b.action, order: item.orderId }, onclick: () => run(b.action) },
        b.label,
      ),
    ),
  );
}

function renderQueue(queue) {
  if (!queue.ok) return replace('queue', errorLine(queue.error.message));
  const items = queue.body.items;
  $('queue-count').textContent = String(items.length);
  $('queue-count').className = `count${items.length > 0 ? ' hot' : ''}`;
  replace(
    'queue',
    table(
      ['Order', 'Status', 'Why (last error)', 'Attempts', 'Queued', 'Next attempt', ''],
      items.map((item) =>
        el(
          'tr',
          { class: Date.now() - Date.parse(item.nextAttemptAt) > OVERDUE_MS ? 'overdue' : undefined, dataset: { order: item.orderId } },
          el('td', { class: 'mono' }, short(item.orderId)),
          el('td', {}, badge(item.status)),
          el('td', { class: 'why' }, item.lastError ?? '–'),
          el('td', {}, fmtInt(item.attempts)),
          el('td', { title: fmtTime(item.queuedAt) }, fmtAgo(item.queuedAt)),
          el('td', { class: 'due', title: fmtTime(item.nextAttemptAt) }, fmtAgo(item.nextAttemptAt)),
          actionButtons(item),
        ),
      ),
      'Nothing is stuck.',
    ),
  );
}

function payoutRow(p) {
  return el(
    'tr',
    { dataset: { order: p.orderId } },
    el('td', { class: 'mono' }, short(p.orderId)),
    el('td', {}, badge(p.status)),
    el('td', {}, fmtInt(p.amountSats)),
    el('td', { class: 'mono' }, short(p.destination)),
    el('td', {}, fmtInt(p.attempts)),
    el('td', { class: 'why' }, p.lastError ?? ''),
    el('td', { title: fmtTime(p.updatedAt) }, fmtAgo(p.updatedAt)),
    actionButtons(p),
  );
}

/** Where this page sits among the matching payouts, newest first, with the buttons to move a page either way. */
function payoutsPager(shown, total) {
  const first = (state.payoutsCursors.length - 1) * PAYOUTS_PAGE;
  const position = shown === 0 ? `none of ${fmtInt(total)}` : `${fmtInt(first + 1)}–${fmtInt(first + shown)} of ${fmtInt(total)}`;
  const move = (step) => () => {
    if (step > 0) state.payoutsCursors.push(state.payoutsNext);
    else state.payoutsCursors.pop();
    void renderPayouts();
  };
  return el(
    'div',
    { class: 'pager' },
    el(
      'button',
      { type: 'button', class: 'secondary small', id: 'payouts-newer', disabled: state.payoutsCursors.length === 1, onclick: move(-1) },
      '← Newer',
    ),
    el('span', { id: 'payouts-total', class: 'muted' }, `${position} payouts, newest first`),
    el(
      'button',
      { type: 'button', class: 'secondary small', id: 'payouts-older', disabled: !state.payoutsNext, onclick: move(1) },
      'Older →',
    ),
  );
}

async function renderPayouts() {
  // The 3 s refresh and a click on Older may both be on their way: only the latest request may draw.
  const render = ++state.payoutsRender;
  const { status, orderId } = state.payoutsQuery;
  const headers = ['Order', 'Status', 'Sats', 'Destination', 'Attempts', 'Last error', 'Updated', ''];
  try {
    let rows;
    let page = null;
    if (orderId) {
      try {
        rows = [await api('GET', `/v1/payouts/${encodeURIComponent(orderId)}`)];
      } catch (error) {
        if (error instanceof ApiError && (error.status === 404 || error.status === 400)) rows = [];
        else throw error;
      }
    } else {
      const cursor = state.payoutsCursors[state.payoutsCursors.length - 1];
      const params = new URLSearchParams({
        order: 'newest',
        limit: String(PAYOUTS_PAGE),
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
      page = await api('GET', `/v1/admin/payouts?${params}`);
      rows = page.items;
    }
    if (render !== state.payoutsRender) return;
    if (page) state.payoutsNext = page.nextCursor;
    // The total of the status filter; a search by order id has none.
    $('payouts-count').hidden = !page;
    $('payouts-count').textContent = page ? fmtInt(page.total) : '';
    const empty = orderId ? `No payout with order id “${orderId}”.` : 'No payouts.';
    replace('payouts', table(headers, rows.map(payoutRow), empty), page && payoutsPager(rows.length, page.total));
  } catch (error) {
    replace('payouts', errorLine(error.message));
  }
}

function renderNeeds(needs) {
  if (!needs.ok) return replace('needs', errorLine(needs.error.message));
  const items = needs.body.items;
  $('needs-count').textContent = String(items.length) + (needs.body.nextCursor ? '+' : '');
  $('needs-count').className = `count${items.length > 0 ? ' hot' : ''}`;
  replace(
    'needs',
    table(
      ['Order', 'Why', 'Double payment', 'Sats', 'Since', ''],
      items.map((p) =>
        el(
          'tr',
          { dataset: { order: p.orderId } },
          el('td', { class: 'mono' }, short(p.orderId)),
          el('td', { class: 'why' }, p.lastError ?? '–'),
          el(
            'td',
            {},
            p.doublePayment && !p.doublePayment.acknowledgedAt
              ? badge(`paid ${p.doublePayment.paymentHashes.length}×, to acknowledge`, 'bad')
              : '–',
          ),
          el('td', {}, fmtInt(p.amountSats)),
          el('td', { title: fmtTime(p.updatedAt) }, fmtAgo(p.updatedAt)),
          actionButtons(p),
        ),
      ),
      'Nothing needs a person.',
    ),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

/** A bar per hour, scaled to the largest; each bar's title says its hour and value. */
function barChart(id, title, points, value, format, bad) {
  const width = 240;
  const height = 90;
  const max = Math.max(1, ...points.map((p) => value(p) ?? 0));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const step = width / Math.max(1, points.length);
  points.forEach((p, i) => {
    const v = value(p);
    if (v === null || v === undefined) return;
    const h = Math.max(1, (v / max) * (height - 2));
    const bar = document.createElementNS(SVG, 'rect');
    bar.setAttribute('class', `bar${bad(p) ? ' bad' : ''}`);
    bar.setAttribute('x', String(i * step + 1));
    bar.setAttribute('y', String(height - h));
    bar.setAttribute('width', String(Math.max(1, step - 2)));
    bar.setAttribute('height', String(h));
    const tip = document.createElementNS(SVG, 'title');
    tip.textContent = `${fmtTime(p.at)}: ${format(v)}`;
    bar.append(tip);
    svg.append(bar);
  });
  const total = points.reduce((n, p) => n + (value(p) ?? 0), 0);
  return el('figure', { class: 'chart', id }, svg, el('figcaption', {}, `${title} · ${format(total)} in 24 h`));
}

function renderCharts(series) {
  if (!series.ok) return replace('charts', series.missing ? unavailable('The stats series') : errorLine(series.error.message));
  const points = series.body.points;
  const seen = points.filter((p) => p.availability !== null);
  const mean = seen.length ? seen.reduce((n, p) => n + p.availability, 0) / seen.length : null;
  replace(
    'charts',
    barChart(
      'chart-settled',
      'Settled per hour',
      points,
      (p) => p.settled,
      fmtInt,
      () => false,
    ),
    barChart(
      'chart-520',
      'Voltz 520s per hour',
      points,
      (p) => p.voltz520,
      fmtInt,
      () => true,
    ),
    el(
      'div',
      {},
      barChart(
        'chart-availability',
        'Wallet availability',
        points,
        (p) => (p.availability === null ? null : p.availability * 100),
        (v) => `${v.toFixed(1)} %`,
        (p) => p.availability !== null && p.availability < 0.99,
      ),
      el(
        'p',
        { class: 'muted' },
        mean === null ? 'No wallet calls seen by this instance yet.' : `average ${(mean * 100).toFixed(1)} % over the hours seen`,
      ),
    ),
  );
}

const OPERATIONS = {
  sweep: {
    title: 'Run a fallback sweep now?',
    text: 'Revisits every due order in the fallback view at once, as the schedule would.',
    path: '/v1/admin/fallback/sweep',
    done: (r) =>
      `Sweep: ${r.examined} examined, ${r.settled} settled, ${r.retried} retried, ${r.stillPending} still pending, ${r.escalated} escalated.`,
  },
  reconcile: {
    title: 'Reconcile against the wallet now?',
    text: "Matches the wallet's payment list to the ledger and records what it finds.",
    path: '/v1/admin/reconciliation',
    done: (r) => `Reconciliation: ${r.walletPayments} wallet payments, ${r.matched} matched, ${r.discrepancies.length} discrepancies.`,
  },
  digest: {
    title: 'Record a ledger digest now?',
    text: 'Records a Merkle root of the log so far (tamper evidence).',
    path: '/v1/admin/ledger/digest',
    done: (r) => `Digest recorded: root ${r.root.slice(0, 16)}… over ${fmtInt(r.events)} events.`,
  },
};

function confirmOperation(op) {
  const spec = OPERATIONS[op];
  const dialog = $('confirm');
  $('confirm-title').textContent = spec.title;
  $('confirm-text').textContent = spec.text;
  $('confirm-reason-label').hidden = true;
  $('confirm-reason').value = '';
  $('confirm-reason').required = false;
  $('confirm-error').hidden = true;
  dialog.dataset.action = `op:${op}`;
  dialog.dataset.order = '';
  dialog.showModal();
}

function renderReconciliation(recon) {
  if (!recon.ok) {
    // Before the first run the endpoint answers 404 too: both read the same to the operator.
    return replace(
      'reconciliation',
      recon.missing ? el('p', { class: 'unavailable' }, 'No reconciliation report is available yet.') : errorLine(recon.error.message),
    );
  }
  const r = recon.body;
  const discrepancies = r.discrepancies ?? [];
  replace(
    'reconciliation',
    el(
      'dl',
      { class: 'figures' },
      el('dt', {}, 'Ran'),
      el('dd', {}, `${fmtTime(r.finishedAt ?? r.startedAt)} (${fmtAgo(r.finishedAt ?? r.startedAt)})`),
      el('dt', {}, 'Wallet payments'),
      el('dd', {}, fmtInt(r.walletPayments)),
      el('dt', {}, 'Ledger settled'),
      el('dd', {}, fmtInt(r.ledgerSettled)),
      el('dt', {}, 'Matched'),
      el('dd', {}, fmtInt(r.matched)),
      el('dt', {}, 'Discrepancies'),
      el('dd', {}, discrepancies.length === 0 ? badge('none', 'ok') : badge(String(discrepancies.length), 'bad')),
    ),
    discrepancies.length === 0
      ? null
      : table(
          ['Kind', 'Order', 'Payment hash', 'Detail'],
          discrepancies.map((d) =>
            el(
              'tr',
              {},
              el('td', {}, badge(d.kind, 'bad')),
              el('td', { class: 'mono' }, short(d.orderId)),
              el('td', { class: 'mono' }, short(d.paymentHash)),
              el('td', { class: 'why' }, d.detail ?? ''),
            ),
          ),
          '',
        ),
  );
}

// ---------- timeline ----------

async function openTimeline(orderId) {
  state.openOrderId = orderId;
  $('timeline-panel').hidden = false;
  $('timeline-order').textContent = orderId;
  await renderTimeline(orderId);
  $('timeline-panel').scrollIntoView({ block: 'nearest' });
}

function summarizeData(data) {
  const text = JSON.stringify(data ?? {}, null, 1).replace(/\n\s*/g, ' ');
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

async function renderTimeline(orderId) {
  let payout;
  try {
    payout = await api('GET', `/v1/payouts/${encodeURIComponent(orderId)}`);
  } catch (error) {
    return replace('timeline', errorLine(error.message));
  }
  if (state.openOrderId !== orderId) return;
  const summary = el(
    'dl',
    { class: 'figures' },
    el('dt', {}, 'Status'),
    el('dd', { id: 'timeline-status', dataset: { status: payout.status } }, badge(payout.status)),
    el('dt', {}, 'Amount'),
    el('dd', {}, `${fmtInt(payout.amountSats)} sats (PIX ${fmtInt(payout.amountCents)} cents, ${payout.endToEndId ?? '–'})`),
    el('dt', {}, 'Destination'),
    el('dd', { class: 'mono' }, short(payout.destination)),
    el('dt', {}, 'Attempts'),
    el('dd', {}, fmtInt(payout.attempts)),
    el('dt', {}, 'Last error'),
    el('dd', { class: 'why' }, payout.lastError ?? '–'),
    el('dt', {}, 'Payment hash'),
    el('dd', { class: 'mono' }, short(payout.paymentHash)),
    el('dt', {}, 'Created / settled'),
    el('dd', {}, `${fmtTime(payout.createdAt)} / ${fmtTime(payout.settledAt)}`),
  );
  const actions = el('div', { class: 'actions-row' }, [...actionButtons(payout).childNodes]);
  let events;
  try {
    events = el(
      'ol',
      { class: 'timeline', id: 'timeline-events' },
      (await api('GET', `/v1/audit/payouts/${encodeURIComponent(orderId)}/events`)).events.map((e) =>
        el(
          'li',
          { dataset: { type: e.type } },
          el('span', { class: 'type' }, e.type),
          ' ',
          el('span', { class: 'muted' }, `#${e.revision} · ${fmtTime(e.createdAt)} · ${e.metadata?.actor ?? ''}`),
          el('pre', {}, summarizeData(e.data)),
        ),
      ),
    );
  } catch (error) {
    // The audit log is for auditor keys; an admin-only key sees the payout's current state and no history.
    events =
      error instanceof ApiError && error.status === 403
        ? el(
            'p',
            { class: 'unavailable', id: 'timeline-events' },
            'The event history needs a key that is also an auditor key; this admin key shows the current state only.',
          )
        : errorLine(error.message);
  }
  if (state.openOrderId === orderId) replace('timeline', summary, actions, el('h3', {}, 'Ledger events'), events);
}

// ---------- actions ----------

const ACTIONS = {
  retry: {
    title: 'Retry this payout now?',
    text: 'The service revisits the order at once: checks what the wallet knows and pays if nothing is in flight. It never pays twice.',
    reason: false,
    path: 'retry',
  },
  cancel: {
    title: 'Cancel this payout?',
    text: 'The customer will not be paid through this order. Refused while a payment may still be in flight or once settled.',
    reason: true,
    path: 'cancel',
  },
  acknowledge: {
    title: 'Acknowledge the double payment?',
    text: 'Closes the escalation; the decision and your reason are recorded in the ledger.',
    reason: true,
    path: 'acknowledge',
  },
};

function confirmAction(action, orderId) {
  const spec = ACTIONS[action];
  const dialog = $('confirm');
  $('confirm-title').textContent = spec.title;
  $('confirm-text').replaceChildren(el('span', { class: 'mono' }, orderId), ': ', spec.text);
  $('confirm-reason-label').hidden = !spec.reason;
  $('confirm-reason').value = '';
  $('confirm-reason').required = spec.reason;
  $('confirm-error').hidden = true;
  dialog.dataset.action = action;
  dialog.dataset.order = orderId;
  dialog.showModal();
}

async function runConfirmedAction(event) {
  event.preventDefault();
  const dialog = $('confirm');
  if (dialog.dataset.action.startsWith('op:')) {
    const spec = OPERATIONS[dialog.dataset.action.slice(3)];
    return postConfirmed(spec.path, undefined, (result) => ($('ops-result').textContent = spec.done(result)));
  }
  const spec = ACTIONS[dialog.dataset.action];
  const orderId = dialog.dataset.order;
  const reason = $('confirm-reason').value.trim();
  if (spec.reason && !reason) return showConfirmError('A reason is required.');
  return postConfirmed(`/v1/admin/payouts/${encodeURIComponent(orderId)}/${spec.path}`, spec.reason ? { reason } : undefined);
}

/** The confirmed POST: the dialog closes and the page refreshes on success; a failure stays in the dialog. */
async function postConfirmed(path, body, done = () => undefined) {
  $('confirm-yes').disabled = true;
  try {
    const result = await api('POST', path, body);
    $('confirm').close();
    done(result);
    await refresh();
  } catch (error) {
    showConfirmError(error.message);
  } finally {
    $('confirm-yes').disabled = false;
  }
}

function showConfirmError(message) {
  $('confirm-error').hidden = false;
  $('confirm-error').textContent = message;
}

// ---------- wiring ----------

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showLoginError('');
    try {
      await signIn($('key').value.trim());
    } catch (error) {
      showLoginError(describeLoginFailure(error));
    }
  });
  $('sign-out').addEventListener('click', () => signOut(''));
  $('refresh').addEventListener('click', () => void refresh());
  $('timeline-close').addEventListener('click', () => {
    state.openOrderId = null;
    $('timeline-panel').hidden = true;
  });
  $('payouts-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.payoutsQuery = { status: $('status-filter').value, orderId: $('order-search').value.trim() };
    state.payoutsCursors = [null];
    void renderPayouts();
  });
  $('confirm-form').addEventListener('submit', runConfirmedAction);
  for (const button of document.querySelectorAll('[data-op]')) button.addEventListener('click', () => confirmOperation(button.dataset.op));
  $('confirm-no').addEventListener('click', () => $('confirm').close());

  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) signIn(saved).catch((error) => signOut(describeLoginFailure(error)));
});
