/**
 * Go's text/tabwriter (docker/cli's copy, which measures cells with go-runewidth), configured as
 * Docker's formatter does: `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`. The elastic-tabstop
 * algorithm is ported as is: tab-terminated cells in consecutive lines form a column block whose
 * width is the widest cell plus padding; the text after a line's last tab is not part of a column.
 */

interface Cell {
  text: string;
  width: number;
}

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
  padchar: string;
}

export const DOCKER_TABWRITER: TabwriterOptions = { minwidth: 10, padding: 3, padchar: ' ' };

/** Display width of a code point as go-runewidth counts it (East Asian wide/fullwidth = 2, combining = 0). */
function runeWidth(cp: number): number {
  if (cp === 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  // Printable ASCII before the Unicode classes, whose regex is costly to compile and run per rune.
  if (cp < 0x7f) return 1;
  if (/\p{Mn}|\p{Me}|\p{Cf}/u.test(String.fromCodePoint(cp)) && cp !== 0xad) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += runeWidth(ch.codePointAt(0)!);
  return w;
}

/**
 * Aligns tab-separated text exactly as tabwriter.Writer.Write + Flush do. Newlines end lines;
 * `\f` also ends a line and flushes (starting new column blocks); `\v` ends a cell like a soft tab.
 */
export function tabwrite(text: string, opts: TabwriterOptions = DOCKER_TABWRITER): string {
  let out = '';
  let lines: Cell[][] = [[]];
  let cell = '';

  const terminateCell = (): number => {
    const line = lines[lines.length - 1];
    line.push({ text: cell, width: displayWidth(cell) });
    cell = '';
    return line.length;
  };

  const flush = (): void => {
    if (cell.length > 0) terminateCell();
    out += format(lines, opts);
    lines = [[]];
  };

  for (const ch of text) {
    if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
      const ncells = terminateCell();
      if (ch === '\n' || ch === '\f') {
        lines.push([]);
        // A line of a single cell cannot affect later columns: Go flushes there.
        if (ch === '\f' || ncells === 1) flush();
      }
    } else cell += ch;
  }
  flush();
  return out;
}

function format(lines: Cell[][], opts: TabwriterOptions): string {
  let out = '';
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i];
      line.forEach((c, j) => {
        out += c.text;
        if (j < widths.length) out += opts.padchar.repeat(Math.max(widths[j] - c.width, 0));
      });
      // the last line (no newline yet) carries no line break
      if (i + 1 < lines.length) out += '\n';
    }
  };

  const formatBlock = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current].length - 1) continue;
      // this line has a cell in this column: a column block starts here
      writeLines(line0, current);
      line0 = current;
      let width = opts.minwidth;
      for (; current < line1; current++) {
        const line = lines[current];
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column].width + opts.padding);
      }
      widths.push(width);
      formatBlock(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  formatBlock(0, lines.length);
  return out;
}
