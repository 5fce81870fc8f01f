/** The CLI's pure parts: CSV, durations, flags -> body, the visibility query, progress output. */
import { buildBody, derivedKey } from '../../src/cli/alert-body';
import { parseCsv } from '../../src/cli/csv';
import { mapHeader, rowToSpec } from '../../src/cli/csv-columns';
import { UsageError } from '../../src/cli/errors';
import { buildListQuery } from '../../src/cli/visibility';
import { parseDuration, parseSince } from '../../src/cli/parse';
import { Progress } from '../../src/cli/progress';
import { fakeOut } from './helpers';

describe('parseCsv', () => {
  test('quotes, embedded commas, quotes and newlines, CRLF, BOM, blank lines; line numbers of each row', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"multi\nline",\n3,,last';
    expect(parseCsv(text)).toEqual({
      header: ['a', 'b', 'c'],
      rows: [
        { line: 2, cells: ['1', 'x, y', 'say "hi"'] },
        { line: 4, cells: ['2', 'multi\nline', ''] },
        { line: 6, cells: ['3', '', 'last'] },
      ],
    });
  });

  test('an unterminated quote is reported with its line', () => {
    expect(() => parseCsv('a\n"open\n')).toThrow(/line 2/);
  });
});

describe('durations', () => {
  test.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['250ms', 250],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', '15', 'm', '1x', '1h 30m', '-5m'])('%p is a usage error', (text) =>
    expect(() => parseDuration(text)).toThrow(UsageError),
  );

  test('--since takes a duration or an ISO time', () => {
    const now = new Date('2026-11-29T12:00:00Z');
    expect(parseSince('24h', now).toISOString()).toBe('2026-11-28T12:00:00.000Z');
    expect(parseSince('2026-11-01T00:00:00Z', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });
});

describe('buildBody', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  test('flags -> the API body', () => {
    expect(
      buildBody(
        {
          email: 'a@example.com',
          title: 'T',
          message: 'M',
          type: 'warning',
          priority: 'high',
          action: ['Open case=https://crm.example.com/c/1?a=b'],
          ackAction: ['Acknowledge'],
          expiresIn: '15m',
          idempotencyKey: 'k1',
          metadata: ['transactionId=TXN-1', 'note=a=b'],
        },
        {},
        now,
      ),
    ).toEqual({
      target: { email: 'a@example.com' },
      title: 'T',
      message: 'M',
      type: 'warning',
      priority: 'high',
      actions: [
        { label: 'Open case', actionType: 'openUrl', url: 'https://crm.example.com/c/1?a=b' },
        { label: 'Acknowledge', actionType: 'callback' },
      ],
      expiresAt: '2026-11-29T12:15:00.000Z',
      idempotencyKey: 'k1',
      metadata: { transactionId: 'TXN-1', note: 'a=b' },
    });
  });

  test('flags layer over a JSON body; metadata merges', () => {
    expect(
      buildBody(
        { priority: 'low', metadata: ['b=2'] },
        { title: 'x', priority: 'high', metadata: { a: '1' } },
      ),
    ).toEqual({ title: 'x', priority: 'low', metadata: { a: '1', b: '2' } });
  });

  test.each([
    [{ userId: 'u', email: 'e@x.co' }, /not both/],
    [{ action: ['no-url'] }, /label=url/],
    [{ metadata: ['novalue'] }, /key=value/],
    [{ expiresIn: 'later' }, /--expires-in/],
  ])('%p is a usage error', (spec, msg) => expect(() => buildBody(spec)).toThrow(msg));

  test('CSV headers like the flags; repeated and metadata.<key> columns', () => {
    const map = mapHeader([
      'User-Id',
      'title',
      'action',
      'action',
      'ack_action',
      'metadata',
      'metadata.transactionId',
      'expires_in',
    ]);
    expect(
      rowToSpec(map, ['u1', 'T', 'A=https://a.example', '', 'Ack;Later', 'k=v;k2=v2', 'TXN-9', '5m']),
    ).toEqual({
      userId: 'u1',
      title: 'T',
      action: ['A=https://a.example'],
      ackAction: ['Ack', 'Later'],
      metadata: ['k=v', 'k2=v2', 'transactionId=TXN-9'],
      expiresIn: '5m',
    });
    expect(() => mapHeader(['title', 'title'])).toThrow(/appears twice/);
    expect(() => mapHeader(['titel'])).toThrow(/unknown column/);
  });

  test('derived keys are stable per content and row, and valid idempotency keys', () => {
    expect(derivedKey('a,b\n1,2', 2)).toBe(derivedKey('a,b\n1,2', 2));
    expect(derivedKey('a,b\n1,2', 2)).not.toBe(derivedKey('a,b\n1,3', 2));
    expect(derivedKey('x', 12)).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
  });
});

describe('buildListQuery', () => {
  test('alert workflows only; filters ANDed, values of one filter ORed', () => {
    expect(
      buildListQuery({
        status: ['failed', 'expired'],
        type: ['warning'],
        agent: ['a@example.com'],
        transactionId: ['TXN-1'],
        since: new Date('2026-11-29T00:00:00Z'),
      }),
    ).toBe(
      "WorkflowType = 'deliverAlert' AND AlertStatus IN ('failed', 'expired') AND AlertType = 'warning' AND AlertAgent = 'a@example.com' AND AlertTransactionId = 'TXN-1' AND StartTime >= '2026-11-29T00:00:00.000Z'",
    );
    expect(buildListQuery({})).toBe("WorkflowType = 'deliverAlert'");
  });

  test('refuses values that would break out of the literal, and unknown enum values', () => {
    expect(() => buildListQuery({ agent: ["x' OR '1'='1"] })).toThrow(UsageError);
    expect(() => buildListQuery({ priority: ['urgent'] })).toThrow(/not one of high, normal, low/);
  });
});

describe('Progress', () => {
  test('not a terminal: a line per 10 %, no carriage returns', () => {
    const out = fakeOut(false);
    const p = new Progress(out, 20, 60_000);
    const c = { done: 0, accepted: 0, duplicate: 0, rejected: 0, failed: 0 };
    for (let i = 0; i < 20; i++) {
      c.done++;
      c.accepted++;
      p.update(c);
    }
    p.finish(c);
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toBe('progress: 20/20 (100%)  accepted 20, duplicate 0, rejected 0');
    expect(out.text).not.toContain('\r');
  });

  test('a terminal: one bar redrawn in place, then a newline', () => {
    const out = fakeOut(true);
    const p = new Progress(out, 2);
    p.update({ done: 1, accepted: 1, duplicate: 0, rejected: 0, failed: 0 }, true);
    p.finish({ done: 2, accepted: 1, duplicate: 0, rejected: 1, failed: 0 });
    const frames = out.text.split('\r').slice(1);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatch(/^\[#+\.+\] 1\/2 /);
    expect(frames[1]).toBe(`[${'#'.repeat(40)}] 2/2  accepted 1, duplicate 0, rejected 1\u001b[K\n`);
  });
});
