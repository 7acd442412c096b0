import { GraphQLError } from 'graphql';
import { CPR_MASK, normaliseCpr, redactCpr, redactCprDeep } from '../../src/identity/cpr';
import { formatError } from '../../src/platform/graphql/format-error';
import { createLogger } from '../../src/platform/logger';
import { redactPayload } from '../../src/sources/redact';

/** One CPR number (synthetic: day + 60) in every form it may take. */
const FORMS = ['610190-1234', '6101901234', '610190 1234'];
/** Its digits, and a leading-zero CPR as a JSON number loses its 0. */
const LEAKS = /6101901234|610190.1234|21090123[0-9]/;

/** A logger writing into an array, exactly as pino serializes to stdout. */
function capture() {
  const lines: string[] = [];
  const logger = createLogger({ NODE_ENV: 'test', LOG_LEVEL: 'info' }, 'test', { write: (line: string) => void lines.push(line) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('CPR numbers in logs', () => {
  it('are masked anywhere in a line: nested objects, keys, numbers, err.message and err.stack, bindings, interpolation', () => {
    const { logger, lines, parsed } = capture();
    const [hyphen, plain, spaced] = FORMS;
    const err = Object.assign(new Error(`no child with cpr ${hyphen}`), { detail: `Key (cpr)=(${plain}) already exists` });
    logger.error({ err }, 'sync failed');
    logger.warn({ queue: 'sync', err: err.message }, 'job failed'); // jobs/worker.ts
    logger.info({ payload: { rows: [{ note: `ring om ${spaced}` }], [plain]: true, asNumber: 6101901234, leadingZero: 210901234 } }, 'payload');
    logger.child({ pupil: `\n${hyphen}` }).info({ wrapped: { cause: err } }, 'child %s not found, %j', plain, { cpr: spaced });
    logger.info(new Error(`bad row ${plain}`));

    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).not.toMatch(LEAKS);
    const [first, second, third, fourth, fifth] = parsed();
    expect((first.err as { message: string }).message).toBe(`no child with cpr ${CPR_MASK}`);
    expect((first.err as { stack: string }).stack).toMatch(new RegExp(`^Error: no child with cpr ${CPR_MASK}\\n {4}at `));
    expect((first.err as { detail: string }).detail).toBe(`Key (cpr)=(${CPR_MASK}) already exists`);
    expect(second.err).toBe(`no child with cpr ${CPR_MASK}`);
    expect(third.payload).toEqual({ rows: [{ note: `ring om ${CPR_MASK}` }], [CPR_MASK]: true, asNumber: CPR_MASK, leadingZero: CPR_MASK });
    expect(fourth.msg).toBe(`child ${CPR_MASK} not found, {"cpr":"${CPR_MASK}"}`);
    expect(fourth.pupil).toBe(`\n${CPR_MASK}`);
    expect(fifth.msg).toBe(`bad row ${CPR_MASK}`);
  });

  it('leave dates, timestamps, ids and digests alone, and lines stay JSON', () => {
    const { logger, lines, parsed } = capture();
    const kept = {
      date: '2024-01-15',
      at: '2024-01-15T10:20:30.000Z',
      dk: '15-01-2024',
      requestId: 'c0ffee00-1234-4abc-8def-012345678901',
      digest: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
      count: 1234567890, // 12/34 cannot be a birth date
      epochMs: 1718900000000,
      institution: 280011,
    };
    logger.info(kept, 'kept');
    expect(lines[0]).toMatch(/^\{.*\}\n$/);
    expect(parsed()[0]).toMatchObject({ ...kept, msg: 'kept', level: 30 });
    expect(typeof parsed()[0].time).toBe('number');
  });

  it('formatError logs an unexpected error with its stack masked and answers without detail', () => {
    const { logger, lines } = capture();
    const original = new Error(`duplicate key value violates unique constraint: (cpr_hmac)=(${FORMS[1]})`);
    const wrapped = new GraphQLError(original.message, { path: ['child'], originalError: original });
    const out = formatError(logger)(wrapped.toJSON(), wrapped);
    expect(out).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(LEAKS);
    expect(lines[0]).toContain(`(cpr_hmac)=(${CPR_MASK})`);
  });
});

describe('CPR patterns', () => {
  it('mask DDMMYY-SSSS, DDMMYYSSSS and DDMMYY SSSS in text, not dates or glued identifiers', () => {
    for (const cpr of FORMS) {
      expect(redactCpr(`cpr: ${cpr}.`)).toBe(`cpr: ${CPR_MASK}.`);
      expect(redactCpr(`child_${cpr}`)).toBe(`child_${CPR_MASK}`);
      expect(redactCpr(`cpr${cpr}x`)).toBe(`cpr${CPR_MASK}x`);
      expect(normaliseCpr(` ${cpr} `)).toBe('6101901234');
    }
    for (const text of ['2024-01-15', '2024-01-15 12:00', '20240115T1200', '61019012345', '610190-12345', 'c0ffee00-1234-4abc-8def-012345678901']) {
      expect(redactCpr(text)).toBe(text);
    }
    expect(() => normaliseCpr('610190  1234')).toThrow('not a CPR number');
  });

  it('mask a CPR number glued to any letter, hex letters a–f included', () => {
    for (const cpr of FORMS) {
      for (const [before, after] of [['elevid', ''], ['cpr:x', ''], ['ff', ''], ['', 'e0'], ['abc', 'de'], ['id=cafe', '.'], ['AB', 'Fx']]) {
        expect(redactCpr(`${before}${cpr}${after}`)).toBe(`${before}${CPR_MASK}${after}`);
      }
    }
    expect(redactCpr('elev 6101901234 og elevid6101901234')).toBe(`elev ${CPR_MASK} og elevid${CPR_MASK}`);
    expect(redactCprDeep({ note: 'b6101901234', list: ['a610190-1234'] })).toEqual({ note: `b${CPR_MASK}`, list: [`a${CPR_MASK}`] });
  });

  it('leave UUIDs, hex digests, dates and longer digit runs alone, by their whole shape', () => {
    const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959910123456789';
    const kept = [
      'c0ffee00-1234-4abc-8def-a61019012340', // a UUID whose last group holds a 10-digit run
      'C0FFEE00-1234-4ABC-8DEF-B61019012340',
      'urn:uuid:c0ffee00-1234-4abc-8def-a61019012340.',
      'request c0ffee00-1234-4abc-8def-012345678901 failed',
      sha256,
      `sha256:${sha256}`,
      'da39a3ee5e6b4b0d3255bfef95601890afd80709', // SHA-1
      '2024-01-15', '2024-01-15T10:20:30.000Z', '15-01-2024', '20240115T1200',
      '61019012345', '06101901234', '610190-12345', '1718900000000', 'x 12345678901234567890 y',
    ];
    for (const text of kept) expect(redactCpr(text)).toBe(text);
    // Shorter hex ids are no digest: a CPR-shaped run in them is masked (an id too many, not a CPR).
    for (const [text, masked] of [
      ['abc6101901234def', `abc${CPR_MASK}def`],
      ['deadbeef6101901234', `deadbeef${CPR_MASK}`],
      ['deadbeefdeadbeef6101901234', `deadbeefdeadbeef${CPR_MASK}`],
      ['ETag "6101901234abcdef"', `ETag "${CPR_MASK}abcdef"`],
    ]) {
      expect(redactCpr(text)).toBe(masked);
    }
    // A CPR next to a kept shape is still masked.
    expect(redactCpr(`c0ffee00-1234-4abc-8def-012345678901 ${FORMS[0]}`)).toBe(`c0ffee00-1234-4abc-8def-012345678901 ${CPR_MASK}`);
    expect(redactCpr(`${sha256}/elevid${FORMS[1]}`)).toBe(`${sha256}/elevid${CPR_MASK}`);
  });

  it('mask glued CPR numbers in log lines too, and keep ids and digests there', () => {
    const { logger, lines, parsed } = capture();
    const requestId = 'c0ffee00-1234-4abc-8def-a71019012340'; // a CPR-shaped run inside a UUID
    logger.info({ requestId, digest: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', ref: 'elevid6101901234', hex: 'ff610190-1234' }, 'row cpr:x%s', '6101901234');
    expect(lines[0]).not.toMatch(LEAKS);
    expect(parsed()[0]).toMatchObject({ requestId, digest: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', ref: `elevid${CPR_MASK}`, hex: `ff${CPR_MASK}`, msg: `row cpr:x${CPR_MASK}` });
  });

  it('mask CPR numbers carried as JSON numbers in quarantined payloads, and CPR-shaped keys', () => {
    expect(redactPayload({ id: 6101901234, leadingZero: 210901234, row: [255901001], count: 1234567890, year: 2024, ratio: 1101901234.5 })).toEqual({
      id: CPR_MASK,
      leadingZero: CPR_MASK,
      row: [255901001],
      count: 1234567890,
      year: 2024,
      ratio: 1101901234.5,
    });
    expect(redactPayload({ '610190-1234': { cpr: 5, note: 'x 610190 1234' } })).toEqual({ [CPR_MASK]: { cpr: '[redacted]', note: `x ${CPR_MASK}` } });
    expect(redactCprDeep([{ a: 6101901234 }, '2024-01-15'])).toEqual([{ a: CPR_MASK }, '2024-01-15']);
  });
});
