import { expect } from 'chai';
import { displayWidth, tabwrite } from '../../src/runtime/format/table.js';

// Go's text/tabwriter test vectors (minwidth, padding, padchar '.'); tabwidth/flags are unused by Docker.
const dots = (minwidth: number, padding: number) => ({ minwidth, padding, padchar: '.' });

describe('format/table: Go tabwriter algorithm', () => {
  const cases: [string, number, number, string, string][] = [
    ['1a', 8, 1, '', ''],
    ['2', 8, 1, '\n\n\n', '\n\n\n'],
    ['3', 8, 1, 'a\nb\nc', 'a\nb\nc'],
    ['4a', 8, 1, '\t', ''], // a tab-terminated empty cell on the last line prints nothing
    ['5', 8, 1, '*\t*', '*.......*'],
    ['5b', 8, 1, '*\t*\n', '*.......*\n'],
    ['5c', 8, 1, '*\t*\t', '*.......*'],
    ['6', 8, 1, 'a\tb\nc\td', 'a.......b\nc.......d'],
    [
      '7',
      8,
      1,
      'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n',
      'a.......b.......c\naa......bbb.....cccc\naaa.....bbbb\n',
    ],
    ['9a', 1, 0, '1\t2\t3\t4\n11\t222\t3333\t44444\n', '1.2..3...4\n11222333344444\n'],
    ['10a', 5, 0, '1\t2\t3\t4\n', '1....2....3....4\n'],
    ['10b', 5, 0, '1\t2\t3\t4\t\n', '1....2....3....4....\n'],
    [
      '12a',
      8,
      1,
      'a\tb\tc\td\n' + 'aa\tbb\n' + 'aaa\tbbb\tccc\n',
      'a.......b.......c.......d\n' + 'aa......bb\n' + 'aaa.....bbb.....ccc\n',
    ],
    [
      // a line without tabs ends every column block (Go flushes there)
      '13',
      0,
      2,
      'xxxxxxx\tx\nsingle line\nx\ty\n',
      'xxxxxxx..x\nsingle line\nx..y\n',
    ],
    ['14 blocks', 0, 1, 'a\tb\tc\naaaa\tb\nx\tyyyyyyy\tz\n', 'a....b.c\naaaa.b\nx....yyyyyyy.z\n'], // b and y are distinct column blocks
  ];
  for (const [name, minwidth, padding, input, want] of cases) {
    it(`${name}`, () => expect(tabwrite(input, dots(minwidth, padding))).to.equal(want));
  }
});

describe('format/table: Docker configuration (minwidth 10, padding 3)', () => {
  it('prints the empty docker ps header byte for byte', () => {
    const header = 'CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n';
    expect(tabwrite(header)).to.equal(
      'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n',
    );
  });

  it('aligns cells wider than the minimum width and leaves the last cell unpadded', () => {
    const text =
      'CONTAINER ID\tIMAGE\tNAMES\n' +
      '0123456789ab\tdocker.io/library/busybox:latest\tweb\n' +
      'ba9876543210\tnginx\tfront_end_1\n';
    expect(tabwrite(text)).to.equal(
      'CONTAINER ID   IMAGE                              NAMES\n' +
        '0123456789ab   docker.io/library/busybox:latest   web\n' +
        'ba9876543210   nginx                              front_end_1\n',
    );
  });

  it('keeps column blocks separate across lines with different cell counts', () => {
    const text = 'A\tB\n' + 'aaaaaaaaaaaaaaaa\tb\n' + 'no tabs here\n' + 'x\ty\n';
    expect(tabwrite(text)).to.equal(
      'A                  B\n' + 'aaaaaaaaaaaaaaaa   b\n' + 'no tabs here\n' + 'x         y\n',
    );
  });

  it('measures East Asian wide characters as two columns (go-runewidth)', () => {
    expect(displayWidth('本a')).to.equal(3);
    expect(tabwrite('本本本本本\tx\nab\ty\n')).to.equal('本本本本本   x\nab           y\n');
  });
});
