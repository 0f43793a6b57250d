import { describe, expect, it } from 'vitest';
import { rosterEntry, status, T0 } from '../testing/fixtures';
import { csvField, csvFileName, csvLine, rowsToCsv } from './csv';
import { buildRows } from './students';

describe('csvField', () => {
  it('leaves plain values alone', () => {
    expect(csvField('ada')).toBe('ada');
    expect(csvField(12)).toBe('12');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('quotes commas, quotes, line breaks and edge spaces, doubling quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rlf')).toBe('"cr\rlf"');
    expect(csvField(' padded ')).toBe('" padded "');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    // Numbers are numbers, not formulas.
    expect(csvField(-2)).toBe('-2');
  });

  it('joins a line', () => {
    expect(csvLine(['a', 'b,c', null, 3])).toBe('a,"b,c",,3');
  });
});

describe('rowsToCsv', () => {
  it('writes a header and one CRLF-terminated line per row, cells numbered from 1', () => {
    const rows = buildRows(
      [rosterEntry('ada', 'Lovelace, Ada'), rosterEntry('bob')],
      new Map([
        [
          'ada',
          status('ada', {
            status: 'stuck',
            helpRequested: true,
            cellIndex: 3,
            lastErrorName: 'NameError',
            lastEventTime: T0,
          }),
        ],
      ]),
    );
    const csv = rowsToCsv(rows);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'userId,name,status,helpRequested,notebook,cell,lastActivity,executions,errors,consecutiveErrors,lastError',
    );
    expect(lines[1]).toBe(
      `ada,"Lovelace, Ada",Stuck,true,week1/intro.ipynb,4,${new Date(T0).toISOString()},1,0,0,NameError`,
    );
    expect(lines[2]).toBe('bob,bob,Not started,false,,,,0,0,0,');
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });

  it('names the file after the class and the time', () => {
    expect(csvFileName('PY 101/a', new Date(T0))).toBe('PY_101_a-students-2025-03-03-10-00.csv');
  });
});
