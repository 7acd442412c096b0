import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/platform/config';
import { DependencyUnavailableError } from '../../src/platform/errors';
import { checkPostgres, checkRedis } from '../../src/platform/preflight';
import { projectRoot } from '../../src/platform/paths';

// Port 1 on loopback: nothing listens there, so connections are refused at once.
const DEAD_POSTGRES = 'postgres://postgres@127.0.0.1:1/skolebro';
const DEAD_REDIS = 'redis://127.0.0.1:1';

describe('configuration', () => {
  it('has working defaults for local use', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/skolebro',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 4000,
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
    });
    expect(c.CPR_HMAC_KEY.length).toBeGreaterThanOrEqual(32);
  });

  it('reports every invalid variable on one line', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x/y', NODE_ENV: 'staging' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
      expect(message).toMatch(/NODE_ENV/);
    }
  });

  it('requires a real CPR HMAC key and a token signing key in production', () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/CPR_HMAC_KEY is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TOKEN_SIGNING_KEY is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', CPR_HMAC_KEY: 'short', TOKEN_SIGNING_KEY: signingKey })).toThrow(/CPR_HMAC_KEY must be at least 32/);
    expect(loadConfig({ NODE_ENV: 'production', CPR_HMAC_KEY: 'k'.repeat(40), TOKEN_SIGNING_KEY: signingKey }).CPR_HMAC_KEY).toBe('k'.repeat(40));
  });
});

describe('preflight', () => {
  it('names PostgreSQL, where it was looked for and how to start it', async () => {
    const err = await checkPostgres(DEAD_POSTGRES).catch((e) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect(err.message).toBe(
      'PostgreSQL at 127.0.0.1:1/skolebro (DATABASE_URL) is unavailable: connection refused. ' +
        'Start it with `docker compose up -d postgres redis` or fix DATABASE_URL.',
    );
  });

  it('names Redis the same way', async () => {
    const err = await checkRedis(DEAD_REDIS).catch((e) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect(err.message).toMatch(/^Redis at 127\.0\.0\.1:1 \(REDIS_URL\) is unavailable: connection refused\. Start it with `docker compose up -d postgres redis`/);
  });

  it('passes against the running services', async () => {
    await expect(checkPostgres('postgres://postgres@127.0.0.1:5432/postgres')).resolves.toBeUndefined();
    await expect(checkRedis('redis://127.0.0.1:6379')).resolves.toBeUndefined();
  });
});

describe('the CLI with a dependency down', () => {
  const main = join(projectRoot(), 'dist/src/main.js');
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [main, 'serve'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });

  beforeAll(() => {
    if (!existsSync(main)) throw new Error('dist/ is missing: `npm test` builds it first (pretest)');
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: DEAD_POSTGRES }, /^skolebro: PostgreSQL at 127\.0\.0\.1:1\/skolebro \(DATABASE_URL\) is unavailable/],
    ['REDIS_URL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', REDIS_URL: DEAD_REDIS }, /^skolebro: Redis at 127\.0\.0\.1:1 \(REDIS_URL\) is unavailable/],
    ['PORT', { PORT: '-5' }, /^skolebro: Invalid configuration: PORT/],
  ])('exits 1 with one clear line for a bad %s', (_name, env, expected) => {
    const r = run(env);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it.each([
    [['--children', 'abc'], /^skolebro: seed: --children must be a whole number ≥ 1, got "abc"$/],
    [['--seed', '1.5'], /^skolebro: seed: --seed must be a whole number ≥ 0, got "1.5"$/],
    [['--colour', 'red'], /^skolebro: seed: Unknown option '--colour'/],
  ])('refuses seed %j with one usage line', (args, expected) => {
    // Arguments are checked before any connection: the unreachable database is never tried.
    const r = spawnSync(process.execPath, [main, 'seed', ...args], { env: { PATH: process.env.PATH, DATABASE_URL: DEAD_POSTGRES }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(expected)]);
  });
});
