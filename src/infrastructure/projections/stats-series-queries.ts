/**
 * GET /v1/admin/stats/series in SQL both storages run: hours are the first 13
 * characters of the ISO-8601 UTC times the projections store ("2026-12-06T04"),
 * and $1, $2 bound the window [from, to).
 */
export const SETTLED_PER_HOUR =
  'SELECT substr(settled_at, 1, 13) AS hour, count(*) AS n, coalesce(sum(amount_sats), 0) AS sats ' +
  'FROM settlements WHERE settled_at >= $1 AND settled_at < $2 GROUP BY substr(settled_at, 1, 13)';

export const VOLTZ_520_PER_HOUR =
  'SELECT substr(received_at, 1, 13) AS hour, count(*) AS n FROM voltz_520 ' +
  'WHERE received_at >= $1 AND received_at < $2 GROUP BY substr(received_at, 1, 13)';
