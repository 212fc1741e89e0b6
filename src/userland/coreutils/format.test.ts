// format.ts: human sizes, mode strings, dates and strftime as GNU prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columns, humanSize, lsDate, modeString, parseDate, parseSize, strftime } from './format.js';

test('human sizes round up as GNU does', () => {
  const cases: [number, string][] = [[0, '0'], [1023, '1023'], [1024, '1.0K'], [1500, '1.5K'], [10240, '10K'], [10752, '11K'], [1048576, '1.0M'], [1572864, '1.5M'], [123456789, '118M'], [1048575, '1.0M'], [10239, '10K']];
  for (const [n, s] of cases) assert.equal(humanSize(n), s, String(n));
  assert.equal(humanSize(1500, true), '1.5k');
});

test('mode strings, with set-id and sticky bits', () => {
  assert.equal(modeString(0o100644), '-rw-r--r--');
  assert.equal(modeString(0o040755), 'drwxr-xr-x');
  assert.equal(modeString(0o120777), 'lrwxrwxrwx');
  assert.equal(modeString(0o104755), '-rwsr-xr-x');
  assert.equal(modeString(0o102644), '-rw-r-Sr--');
  assert.equal(modeString(0o041777), 'drwxrwxrwt');
});

test('ls dates: time of day when recent, the year otherwise', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  assert.equal(lsDate(Date.UTC(2026, 10, 5, 9, 7), now), 'Nov  5 09:07');
  assert.equal(lsDate(Date.UTC(2024, 0, 15, 9, 7), now), 'Jan 15  2024');
});

test('strftime conversions and flags', () => {
  const t = Date.UTC(2024, 1, 29, 13, 5, 7, 250);
  assert.equal(strftime('%Y-%m-%d %H:%M:%S %a %A %b %B %e %j %u %w %y %C', t), '2024-02-29 13:05:07 Thu Thursday Feb February 29 060 4 4 24 20');
  assert.equal(strftime('%I %l %p %P %r %R %T %D %F %s %N %z %:z %Z %%', t), '01  1 PM pm 01:05:07 PM 13:05 13:05:07 02/29/24 2024-02-29 1709211907 250000000 +0000 +00:00 UTC %');
  assert.equal(strftime('%-d|%_m|%-H|%^a', Date.UTC(2024, 0, 5, 3)), '5| 1|3|FRI');
});

test('date strings', () => {
  const now = Date.UTC(2024, 5, 15, 10, 30);
  assert.equal(parseDate('@86400', now), 86400e3);
  assert.equal(parseDate('2020-01-02', now), Date.UTC(2020, 0, 2));
  assert.equal(parseDate('2020-01-02 03:04:05', now), Date.UTC(2020, 0, 2, 3, 4, 5));
  assert.equal(parseDate('2020-01-02T03:04:05+02:00', now), Date.UTC(2020, 0, 2, 1, 4, 5));
  assert.equal(parseDate('yesterday', now), now - 86400e3);
  assert.equal(parseDate('2 days ago', now), now - 2 * 86400e3);
  assert.equal(parseDate('now + 3 hours', now), now + 3 * 3600e3);
  assert.equal(parseDate('12:00', now), Date.UTC(2024, 5, 15, 12));
  assert.ok(Number.isNaN(parseDate('not a date', now)));
});

test('sizes with suffixes, and columns', () => {
  assert.equal(parseSize('10'), 10);
  assert.equal(parseSize('2K'), 2048);
  assert.equal(parseSize('1MB'), 1e6);
  assert.equal(parseSize('3b'), 1536);
  assert.equal(parseSize('x'), null);
  assert.deepEqual(columns([['a', '1'], ['bbb', '22']], [0]), ['a    1', 'bbb 22']);
});
