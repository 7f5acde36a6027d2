import { runVoltzDiagnostics } from './voltz-diagnostics';

/**
 * `npm run diagnose:voltz`: checks the path to the Voltz wallet with the
 * service's own configuration (VOLTZ_URL, VOLTZ_ADMIN_KEY, VOLTZ_TIMEOUT_MS),
 * prints the report as JSON and a one-line verdict; exit code 0 only if ok.
 */
async function main(): Promise<number> {
  const baseUrl = process.env.VOLTZ_URL;
  const adminKey = process.env.VOLTZ_ADMIN_KEY;
  const timeoutMs = Number(process.env.VOLTZ_TIMEOUT_MS ?? 30000);
  const problems = [
    !baseUrl ? 'VOLTZ_URL is not set (the service would run in sandbox mode: nothing to diagnose)' : null,
    !adminKey ? 'VOLTZ_ADMIN_KEY is not set' : null,
    !Number.isSafeInteger(timeoutMs) || timeoutMs <= 0 ? 'VOLTZ_TIMEOUT_MS must be a positive integer (milliseconds)' : null,
  ].filter((p): p is string => p !== null);
  if (!baseUrl || !adminKey || problems.length > 0) {
    for (const problem of problems) console.error(problem);
    return 2;
  }
  const report = await runVoltzDiagnostics({ baseUrl, adminKey, timeoutMs });
  console.log(JSON.stringify(report, null, 2));
  const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
  console.log(`voltz ${report.target}: ${report.verdict}${failed.length > 0 ? ` (failed: ${failed.join(', ')})` : ''}`);
  return report.verdict === 'ok' ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`diagnose:voltz crashed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
