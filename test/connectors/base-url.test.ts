import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCaseSystemConfig, parseCaseSystemSettings } from '../../connectors/case-system/config';
import { parseEdFiConfig, parseEdFiSettings } from '../../connectors/edfi/config';
import { parseOneRosterConfig, parseOneRosterSettings } from '../../connectors/oneroster/config';

/**
 * Every connector with a remote API carries CPR numbers, grades or credentials: in production its
 * URL must be https (plain http to a loopback host only). One rule (connectors/config.ts), checked
 * for each connector through its own parse functions.
 */
const CONNECTORS = [
  {
    name: 'Ed-Fi',
    config: (baseUrl: string) => parseEdFiConfig({ baseUrl, auth: { clientId: 'id', clientSecret: 'secret' } }).baseUrl,
    settings: (baseUrl: string) => parseEdFiSettings({ baseUrl }),
  },
  {
    name: 'OneRoster REST',
    config: (baseUrl: string) => {
      const c = parseOneRosterConfig({ mode: 'rest', baseUrl, auth: { clientId: 'id', clientSecret: 'secret' } });
      return c.mode === 'rest' ? c.baseUrl : undefined;
    },
    settings: (baseUrl: string) => parseOneRosterSettings({ baseUrl }),
  },
  {
    name: 'case-system',
    config: (baseUrl: string) => parseCaseSystemConfig({ baseUrl, auth: { type: 'api_key', apiKey: 'k'.repeat(16) } }).baseUrl,
    settings: (baseUrl: string) => parseCaseSystemSettings({ baseUrl }),
  },
];

const REMOTE_HTTP = ['http://ods.example.dk/api', 'http://10.0.0.7:8080', 'http://[::2]', 'http://localhost.example.dk', 'HTTP://ods.example.dk'];
const ALLOWED = ['https://ods.example.dk/api', 'http://127.0.0.1:4010', 'http://127.8.9.10', 'http://127.1', 'http://[::1]:4010', 'http://localhost:4010'];

describe.each(CONNECTORS)('$name base URL: https in production', ({ config, settings }) => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
  });

  it('refuses plain http to a remote host in production, as a config error naming the path only', () => {
    process.env.NODE_ENV = 'production';
    for (const url of REMOTE_HTTP) {
      expect(() => config(url)).toThrow(expect.objectContaining({ failure: 'config_error', message: expect.stringContaining('baseUrl must be https') }));
      expect(() => settings(url)).toThrow(/baseUrl must be https/);
    }
  });

  it('accepts https anywhere and http to a loopback host in production', () => {
    process.env.NODE_ENV = 'production';
    for (const url of ALLOWED) {
      expect(config(url)).toBe(url);
      expect(() => settings(url)).not.toThrow();
    }
  });

  it('accepts plain http outside production (demo, simulators, tests), but never another scheme', () => {
    for (const nodeEnv of ['development', 'test']) {
      process.env.NODE_ENV = nodeEnv;
      expect(config('http://ods.example.dk/api')).toBe('http://ods.example.dk/api');
    }
    expect(() => config('ftp://ods.example.dk')).toThrow(expect.objectContaining({ failure: 'config_error' }));
  });
});

describe('OneRoster: the other URLs', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
  });
  const rest = (tokenUrl: string) => ({ mode: 'rest', baseUrl: 'https://roster.example.dk', tokenUrl, auth: { clientId: 'id', clientSecret: 'secret' } });

  it('a separate token URL (it receives the client secret) must be https in production too', () => {
    process.env.NODE_ENV = 'production';
    expect(() => parseOneRosterConfig(rest('http://auth.example.dk/token'))).toThrow(/tokenUrl must be https/);
    expect(parseOneRosterConfig(rest('https://auth.example.dk/token'))).toMatchObject({ tokenUrl: 'https://auth.example.dk/token' });
    process.env.NODE_ENV = 'development';
    expect(parseOneRosterConfig(rest('http://auth.example.dk/token'))).toMatchObject({ tokenUrl: 'http://auth.example.dk/token' });
  });

  it('a CSV-bundle file drop has no URL and is unaffected in production', () => {
    process.env.NODE_ENV = 'production';
    const dropDirectory = mkdtempSync(join(process.env.SKOLEBRO_DROP_ROOT ?? tmpdir(), 'oneroster-drop-'));
    expect(parseOneRosterConfig({ mode: 'csv_bundle', dropDirectory, baseUrl: null, auth: {} })).toMatchObject({ mode: 'csv_bundle', dropDirectory });
  });
});

describe('token and API paths stay on the source’s host', () => {
  const caseSystem = (tokenPath: string) =>
    parseCaseSystemConfig({ baseUrl: 'https://dubu.example.dk', auth: { type: 'oauth2', clientId: 'id', clientSecret: 'secret', tokenPath } });
  const oneRoster = (tokenPath: string) => parseOneRosterConfig({ mode: 'rest', baseUrl: 'https://roster.example.dk', tokenPath, auth: { clientId: 'id', clientSecret: 'secret' } });

  it.each(['http://elsewhere.example/token', '//elsewhere.example/token', 'https:elsewhere.example'])('refuses %s as a token path', (tokenPath) => {
    expect(() => caseSystem(tokenPath)).toThrow(expect.objectContaining({ failure: 'config_error' }));
    expect(() => oneRoster(tokenPath)).toThrow(expect.objectContaining({ failure: 'config_error' }));
  });

  it('accepts a path on the host (the case system also one relative to its base URL, as before)', () => {
    expect(caseSystem('/auth/token').auth).toMatchObject({ tokenPath: '/auth/token' });
    expect(caseSystem('auth/token').auth).toMatchObject({ tokenPath: 'auth/token' });
    expect(oneRoster('/auth/token')).toMatchObject({ tokenPath: '/auth/token' });
    expect(() => oneRoster('auth/token')).toThrow(expect.objectContaining({ failure: 'config_error' }));
  });
});
