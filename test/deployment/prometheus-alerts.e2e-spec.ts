import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KEYS, TestApp, startTestApp } from '../support/test-app';

/**
 * The alerting rules shipped in deploy/ may only name metrics the service
 * really exposes: a rule on a misspelt or removed metric never fires, silently.
 */

const RULES_FILE = path.resolve(__dirname, '..', '..', 'deploy', 'prometheus-alerts.yml');

interface Rule {
  alert: string;
  expr: string;
  text: string;
}

/** The rules, one per `- alert:` item (the file keeps every expr on one line). */
function rules(): Rule[] {
  return readFileSync(RULES_FILE, 'utf8')
    .split(/^\s+- alert: /m)
    .slice(1)
    .map((text) => ({ alert: text.split('\n')[0].trim(), expr: /^\s+expr: (.+)$/m.exec(text)?.[1] ?? '', text }));
}

describe('Prometheus alerting rules (deploy/prometheus-alerts.yml)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('cover the incidents an operator must hear about, each with a severity and a summary', () => {
    const all = rules();
    const names = all.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    const watched = all.map((rule) => rule.expr).join('\n');
    for (const metric of [
      'pll_voltz_breaker_state',
      'pll_fallback_queue_depth',
      'pll_fallback_queue_oldest_age_seconds',
      'pll_double_payments_detected_total',
      'pll_wallet_low',
      'pll_projection_lag_seconds',
      'pll_webhook_deliveries',
      'pll_reconciliation_discrepancies_total',
    ])
      expect(watched).toContain(metric);
    for (const rule of all) {
      expect([rule.alert, rule.expr]).toEqual([rule.alert, expect.stringMatching(/\S/)]);
      expect([rule.alert, rule.text]).toEqual([rule.alert, expect.stringMatching(/^\s+severity: (page|warn)$/m)]);
      expect([rule.alert, rule.text]).toEqual([rule.alert, expect.stringMatching(/^\s+summary: \S/m)]);
    }
  });

  it('name only metrics a real scrape of /metrics declares', async () => {
    const res = await fetch(`${app.url}/metrics`, { headers: { Authorization: `Bearer ${KEYS.admin}` } });
    expect(res.status).toBe(200);
    const declared = new Set([...(await res.text()).matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
    const used = new Set(rules().flatMap((rule) => rule.expr.match(/\bpll_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
  });
});
