/**
 * A dependency the process cannot run without is missing. The message is one line a
 * person can act on: which service, where, and how to start it. Printed without a stack.
 */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';

  static postgres(where: string, detail: string): DependencyUnavailableError {
    return new DependencyUnavailableError(
      `PostgreSQL at ${where} (DATABASE_URL) is unavailable: ${detail}. Start it with \`docker compose up -d postgres redis\` or fix DATABASE_URL.`,
    );
  }

  static redis(where: string, detail: string): DependencyUnavailableError {
    return new DependencyUnavailableError(
      `Redis at ${where} (REDIS_URL) is unavailable: ${detail}. Start it with \`docker compose up -d postgres redis\` or fix REDIS_URL.`,
    );
  }
}
