import { readFileSync } from 'node:fs';

/** Variables that hold a key, a secret or a password: each may instead be read from the file named by `<NAME>_FILE`. */
export const SECRET_VARIABLES = [
  'VOLTZ_ADMIN_KEY',
  'VOLTZ_READ_KEY',
  'BOT_WEBHOOK_SECRET',
  'BOT_API_KEYS',
  'ADMIN_API_KEYS',
  'AUDITOR_API_KEYS',
  'METRICS_API_KEYS',
  'DATABASE_URL',
  'EVENTSTORE_CONNECTION_STRING',
] as const;

/**
 * The environment with every `<NAME>_FILE` replaced by the file's content
 * (Docker and Kubernetes secrets mount files, so no secret need sit in an
 * environment listing). One trailing newline is dropped: editors add one.
 * Problems name the variable and the path, never the content.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; problems: string[] } {
  const resolved: NodeJS.ProcessEnv = { ...env };
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name] !== undefined && env[name]!.trim() !== '') {
      problems.push(`${name} and ${name}_FILE are both set: set one`);
      continue;
    }
    try {
      resolved[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  return { env: resolved, problems };
}
