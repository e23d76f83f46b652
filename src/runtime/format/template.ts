/**
 * Go's text/template, as `docker … --format` runs it: the same lexer, parser and evaluation rules
 * (truthiness, `<no value>`, pipelines feeding the last argument, variable scoping, `else if`),
 * the same error messages with their `template: :LINE:COL: executing "" at <…>` shape, and
 * Docker's function map on top of Go's builtins.
 */
import { TemplateError } from '../errors.js';
import {
  byteLength,
  compareGoStrings,
  goJson,
  goQuote,
  goTypeName,
  isPlainMap,
  printValue,
  sprint,
  sprintf,
  sprintln,
  structTypeOf,
} from './gofmt.js';

/** A template failure; `goMessage` is Go's own error text, without Docker's prefixes. */
export class GoTemplateError extends TemplateError {
  readonly goMessage: string;
  constructor(message: string, goMessage: string, exitCode: number) {
    super(message, exitCode);
    this.goMessage = goMessage;
  }
}

// ---------------------------------------------------------------------------------------------
// Lexer

type ItemType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'comment'
  | 'field'
  | 'identifier'
  | 'keyword'
  | 'variable'
  | 'string'
  | 'rawString'
  | 'charConstant'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'char'
  | 'space'
  | 'eof'
  | 'error';

interface Item {
  type: ItemType;
  val: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
// ASCII without the regex: compiling its Unicode classes cost ~1 ms of every table a command prints.
const isAlnum = (c: string | undefined): boolean => {
  if (!c) return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) {
    return (
      (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
    );
  }
  return /^[\p{L}\p{Nd}_]$/u.test(c);
};

function describeRune(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let trimNextText = false;

  const emit = (type: ItemType, val = input.slice(start, pos)): void => {
    items.push({ type, val, pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const advance = (n: number): void => {
    for (let i = 0; i < n && pos < input.length; i++) {
      if (input[pos] === '\n') line++;
      pos++;
    }
  };
  const ignore = (): void => {
    start = pos;
    startLine = line;
  };
  const fail = (msg: string): Item[] => {
    items.push({ type: 'error', val: msg, pos: start, line: startLine });
    // the parser's one-item backup needs a terminal item after the error
    items.push({ type: 'eof', val: '', pos: input.length, line });
    return items;
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (isSpace(input[pos]) && input[pos + 1] === '-' && input.startsWith('}}', pos + 2))
      return { delim: true, trim: true };
    return { delim: input.startsWith('}}', pos), trim: false };
  };
  const runeAt = (p: number): string => {
    const cp = input.codePointAt(p);
    return cp === undefined ? '' : String.fromCodePoint(cp);
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c) || '.,|:()'.includes(c)) return true;
    return input.startsWith('}}', pos);
  };

  for (;;) {
    // text
    const next = input.indexOf('{{', pos);
    const end = next < 0 ? input.length : next;
    if (trimNextText) {
      while (pos < end && isSpace(input[pos])) advance(1);
      ignore();
      trimNextText = false;
    }
    const trimLeft = next >= 0 && input[next + 2] === '-' && isSpace(input[next + 3]);
    let textEnd = end;
    if (trimLeft) while (textEnd > pos && isSpace(input[textEnd - 1])) textEnd--;
    if (textEnd > pos) {
      advance(textEnd - pos);
      emit('text');
    }
    advance(end - pos);
    ignore();
    if (next < 0) break;

    // left delimiter
    advance(2);
    const after = trimLeft ? 2 : 0;
    if (input.startsWith('/*', pos + after)) {
      advance(after);
      ignore();
      const close = input.indexOf('*/', pos + 2);
      if (close < 0) return fail('unclosed comment');
      advance(close + 2 - pos);
      const rd = atRightDelim();
      if (!rd.delim) return fail('comment ends before closing delimiter');
      emit('comment');
      advance(rd.trim ? 4 : 2);
      ignore();
      trimNextText = rd.trim;
      continue;
    }
    emit('leftDelim');
    advance(after);
    ignore();

    // inside action
    for (;;) {
      const rd = atRightDelim();
      if (rd.delim) {
        if (parenDepth !== 0) return fail('unclosed left paren');
        if (rd.trim) {
          advance(2);
          ignore();
        }
        advance(2);
        emit('rightDelim');
        trimNextText = rd.trim;
        break;
      }
      const c = input[pos];
      if (c === undefined) return fail('unclosed action');
      if (isSpace(c)) {
        let n = 0;
        while (isSpace(input[pos])) {
          advance(1);
          n++;
        }
        // a space before "-}}" belongs to the delimiter
        if (input[pos] === '-' && input.startsWith('}}', pos + 1)) {
          pos--;
          if (input[pos] === '\n') line--;
          if (n === 1) continue;
        }
        emit('space');
        continue;
      }
      if (c === '=') {
        advance(1);
        emit('assign');
      } else if (c === ':') {
        advance(1);
        if (input[pos] !== '=') return fail('expected :=');
        advance(1);
        emit('declare');
      } else if (c === '|') {
        advance(1);
        emit('pipe');
      } else if (c === '"') {
        advance(1);
        for (;;) {
          const ch = input[pos];
          if (ch === '\\') {
            advance(1);
            if (input[pos] === undefined || input[pos] === '\n') return fail('unterminated quoted string');
            advance(1);
          } else if (ch === undefined || ch === '\n') return fail('unterminated quoted string');
          else if (ch === '"') break;
          else advance(1);
        }
        advance(1);
        emit('string');
      } else if (c === '`') {
        const close = input.indexOf('`', pos + 1);
        if (close < 0) return fail('unterminated raw quoted string');
        advance(close + 1 - pos);
        emit('rawString');
      } else if (c === "'") {
        advance(1);
        for (;;) {
          const ch = input[pos];
          if (ch === '\\') {
            advance(1);
            if (input[pos] === undefined || input[pos] === '\n')
              return fail('unterminated character constant');
            advance(1);
          } else if (ch === undefined || ch === '\n') return fail('unterminated character constant');
          else if (ch === "'") break;
          else advance(1);
        }
        advance(1);
        emit('charConstant');
      } else if (c === '$' || (c === '.' && !/[0-9]/.test(input[pos + 1] ?? ''))) {
        advance(1);
        if (atTerminator()) {
          emit(c === '$' ? 'variable' : 'dot');
          continue;
        }
        while (isAlnum(runeAt(pos))) advance(runeAt(pos).length);
        if (!atTerminator()) return fail(`bad character ${describeRune(runeAt(pos))}`);
        emit(c === '$' ? 'variable' : 'field');
      } else if (c === '+' || c === '-' || c === '.' || (c >= '0' && c <= '9')) {
        const m =
          /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO][0-7_]+|0[bB][01_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)i?/.exec(
            input.slice(pos),
          )!;
        const len = Math.max(m[0].length, 1);
        const following = input[pos + len];
        if (isAlnum(following)) {
          advance(len + 1);
          return fail(`bad number syntax: "${input.slice(start, pos)}"`);
        }
        advance(len);
        emit('number');
      } else if (isAlnum(runeAt(pos))) {
        while (isAlnum(runeAt(pos))) advance(runeAt(pos).length);
        if (!atTerminator()) return fail(`bad character ${describeRune(runeAt(pos))}`);
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit('keyword');
        else if (word === 'true' || word === 'false') emit('bool');
        else if (word === 'nil') emit('nil');
        else emit('identifier');
      } else if (c === '(') {
        advance(1);
        parenDepth++;
        emit('leftParen');
      } else if (c === ')') {
        advance(1);
        parenDepth--;
        if (parenDepth < 0) return fail('unexpected right paren');
        emit('rightParen');
      } else if (c.charCodeAt(0) < 0x7f && c.charCodeAt(0) >= 0x20) {
        advance(1);
        emit('char');
      } else {
        return fail(`unrecognized character in action: ${describeRune(runeAt(pos))}`);
      }
    }
  }
  items.push({ type: 'eof', val: '', pos: input.length, line });
  return items;
}

// ---------------------------------------------------------------------------------------------
// AST

interface Pipe {
  pos: number;
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}
interface Command {
  pos: number;
  args: Arg[];
}
type Arg =
  | { t: 'field'; pos: number; idents: string[] }
  | { t: 'variable'; pos: number; idents: string[] }
  | { t: 'chain'; pos: number; node: Arg; fields: string[] }
  | { t: 'identifier'; pos: number; name: string }
  | { t: 'dot'; pos: number }
  | { t: 'nil'; pos: number }
  | { t: 'bool'; pos: number; value: boolean }
  | { t: 'number'; pos: number; text: string; value: number; isInt: boolean }
  | { t: 'string'; pos: number; quoted: string; value: string }
  | { t: 'pipe'; pos: number; pipe: Pipe };
type TNode =
  | { t: 'text'; pos: number; text: string }
  | { t: 'action'; pos: number; pipe: Pipe }
  | { t: 'if'; pos: number; pipe: Pipe; list: TNode[]; elseList?: TNode[] }
  | { t: 'with'; pos: number; pipe: Pipe; list: TNode[]; elseList?: TNode[] }
  | { t: 'range'; pos: number; pipe: Pipe; list: TNode[]; elseList?: TNode[] }
  | { t: 'break'; pos: number }
  | { t: 'continue'; pos: number };
type Marker = { t: 'end'; pos: number } | { t: 'else'; pos: number } | { t: 'comment'; pos: number };

function pipeString(p: Pipe): string {
  const decl = p.decl.length ? p.decl.join(', ') + (p.isAssign ? ' = ' : ' := ') : '';
  return decl + p.cmds.map(commandString).join(' | ');
}
function commandString(c: Command): string {
  return c.args.map((a) => (a.t === 'pipe' ? `(${pipeString(a.pipe)})` : argString(a))).join(' ');
}
function argString(a: Arg): string {
  switch (a.t) {
    case 'field':
      return '.' + a.idents.join('.');
    case 'variable':
      return a.idents.join('.');
    case 'chain':
      return (
        (a.node.t === 'pipe' ? `(${pipeString(a.node.pipe)})` : argString(a.node)) + '.' + a.fields.join('.')
      );
    case 'identifier':
      return a.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
    case 'number':
      return a.text;
    case 'string':
      return a.quoted;
    case 'pipe':
      return pipeString(a.pipe);
  }
}

// ---------------------------------------------------------------------------------------------
// Go literal decoding (strconv.Unquote, number literals)

function unquote(q: string): string {
  if (q[0] === '`') return q.slice(1, -1).replace(/\r/g, '');
  const body = q.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      if (c === q[0]) throw new Error('invalid syntax');
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    if (e in simple) out += simple[e];
    else if (e === q[0]) out += e;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error('invalid syntax');
      const v = parseInt(hex, 16);
      out += e === 'x' ? Buffer.from([v]).toString('latin1') : String.fromCodePoint(v);
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else throw new Error('invalid syntax');
  }
  return out;
}

function parseNumber(text: string, type: ItemType): { value: number; isInt: boolean } {
  if (type === 'charConstant') {
    const s = unquote(text);
    if ([...s].length !== 1) throw new Error(`malformed character constant: ${text}`);
    return { value: s.codePointAt(0)!, isInt: true };
  }
  if (text.endsWith('i')) throw new Error(`complex numbers are not supported: ${text}`);
  const clean = text.replace(/_/g, '');
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[+-]/, '');
  let value: number;
  let isInt = true;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) value = parseInt(body.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(body)) value = parseInt(body.slice(2), 8);
  else if (/^0[bB][01]+$/.test(body)) value = parseInt(body.slice(2), 2);
  else if (/^0[0-7]+$/.test(body)) value = parseInt(body, 8);
  else if (/^\d+$/.test(body)) value = Number(body);
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) {
    value = Number(body);
    isInt = Number.isInteger(value) && !/[.eE]/.test(body) ? true : false;
  } else throw new Error(`illegal number syntax: "${text}"`);
  return { value: neg ? -value : value, isInt };
}

// ---------------------------------------------------------------------------------------------
// Parser

class ParseFailure extends Error {}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  constructor(
    private items: Item[],
    private funcs: ReadonlyMap<string, FuncDef>,
  ) {}

  private peek(): Item {
    return this.items[this.i];
  }
  private next(): Item {
    const it = this.items[this.i];
    if (this.i < this.items.length - 1) this.i++;
    return it;
  }
  private backup(n = 1): void {
    this.i -= n;
  }
  private nextNonSpace(): Item {
    let it = this.next();
    while (it.type === 'space') it = this.next();
    return it;
  }
  private peekNonSpace(): Item {
    const it = this.nextNonSpace();
    this.backup();
    return it;
  }
  private errorf(msg: string): never {
    const cur = this.items[Math.min(this.i, this.items.length - 1)];
    throw new ParseFailure(`template: :${cur.line}: ${msg}`);
  }
  private itemString(it: Item): string {
    if (it.type === 'eof') return 'EOF';
    if (it.type === 'error') return it.val;
    if (it.type === 'keyword') return `<${it.val}>`;
    if (it.type === 'leftDelim' || it.type === 'rightDelim') return `"${it.val}"`;
    if ([...it.val].length > 10) return `${goQuote([...it.val].slice(0, 10).join(''))}...`;
    return goQuote(it.val);
  }
  private unexpected(it: Item, context: string): never {
    if (it.type === 'error') this.errorf(it.val);
    this.errorf(`unexpected ${this.itemString(it)} in ${context}`);
  }
  private expect(type: ItemType, context: string): Item {
    const it = this.nextNonSpace();
    if (it.type !== type) this.unexpected(it, context);
    return it;
  }

  parse(): TNode[] {
    const root: TNode[] = [];
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction();
      if (n.t === 'end' || n.t === 'else') this.errorf(`unexpected {{${n.t}}}`);
      if (n.t !== 'comment') root.push(n);
    }
    return root;
  }

  private textOrAction(): TNode | Marker {
    const it = this.nextNonSpace();
    switch (it.type) {
      case 'text':
        return { t: 'text', pos: it.pos, text: it.val };
      case 'leftDelim':
        return this.action();
      case 'comment':
        return { t: 'comment', pos: it.pos };
      default:
        this.unexpected(it, 'input');
    }
  }

  private action(): TNode | Marker {
    const it = this.nextNonSpace();
    if (it.type === 'keyword') {
      switch (it.val) {
        case 'if':
        case 'with':
        case 'range':
          return this.control(it.val);
        case 'else':
          return this.elseControl();
        case 'end':
          this.expect('rightDelim', 'end');
          return { t: 'end', pos: it.pos };
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) this.errorf(`{{${it.val}}} outside {{range}}`);
          this.expect('rightDelim', it.val);
          return { t: it.val === 'break' ? 'break' : 'continue', pos: it.pos };
        default:
          this.errorf(`{{${it.val}}} is not supported`);
      }
    }
    this.backup();
    const pos = this.peekNonSpace().pos;
    return { t: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private elseControl(): { t: 'else'; pos: number } {
    const peek = this.peekNonSpace();
    if (peek.type === 'keyword' && (peek.val === 'if' || peek.val === 'with'))
      return { t: 'else', pos: peek.pos };
    const it = this.expect('rightDelim', 'else');
    return { t: 'else', pos: it.pos };
  }

  private control(context: 'if' | 'with' | 'range'): TNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: TNode[] | undefined;
      if (next.t === 'else') {
        const peek = this.peek();
        if ((context === 'if' || context === 'with') && peek.type === 'keyword' && peek.val === context) {
          this.next();
          elseList = [this.control(context)];
        } else {
          const [l, n] = this.itemList();
          if (n.t !== 'end') this.errorf(`expected end; found {{${n.t}}}`);
          elseList = l;
        }
      }
      return { t: context, pos: pipe.pos, pipe, list, elseList } as TNode;
    } finally {
      this.vars.length = mark;
    }
  }

  private itemList(): [TNode[], Marker] {
    const list: TNode[] = [];
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.t === 'end' || n.t === 'else') return [list, n];
      if (n.t !== 'comment') list.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const pipe: Pipe = { pos: this.peekNonSpace().pos, decl: [], isAssign: false, cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.nextNonSpace();
      const afterVar = this.peek();
      const nxt = this.peekNonSpace();
      if (nxt.type === 'assign' || nxt.type === 'declare') {
        pipe.isAssign = nxt.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        break;
      }
      if (nxt.type === 'char' && nxt.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.type === 'variable' || p.type === 'rightDelim' || p.type === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      // "$x" was an operand, not a declaration
      this.backup(afterVar.type === 'space' ? 2 : 1);
      break;
    }
    for (;;) {
      const it = this.nextNonSpace();
      if (it.type === end) {
        if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, i) => {
          if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0].t))
            this.errorf(`non executable command in pipeline stage ${i + 2}`);
        });
        return pipe;
      }
      switch (it.type) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(it, context);
      }
    }
  }

  private command(): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const it = this.next();
      if (it.type === 'space') continue;
      if (it.type === 'rightDelim' || it.type === 'rightParen') this.backup();
      else if (it.type !== 'pipe') this.unexpected(it, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.t) {
      case 'field':
        return { t: 'field', pos, idents: [...node.idents, ...fields] };
      case 'variable':
        return { t: 'variable', pos, idents: [...node.idents, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term "${argString(node)}"`);
      // eslint-disable-next-line no-fallthrough
      default:
        return { t: 'chain', pos, node, fields };
    }
  }

  private term(): Arg | undefined {
    const it = this.nextNonSpace();
    switch (it.type) {
      case 'identifier':
        if (!this.funcs.has(it.val)) this.errorf(`function "${it.val}" not defined`);
        return { t: 'identifier', pos: it.pos, name: it.val };
      case 'dot':
        return { t: 'dot', pos: it.pos };
      case 'nil':
        return { t: 'nil', pos: it.pos };
      case 'variable': {
        const name = it.val.split('.')[0];
        if (!this.vars.includes(name)) this.errorf(`undefined variable "${name}"`);
        return { t: 'variable', pos: it.pos, idents: [it.val] };
      }
      case 'field':
        return { t: 'field', pos: it.pos, idents: [it.val.slice(1)] };
      case 'bool':
        return { t: 'bool', pos: it.pos, value: it.val === 'true' };
      case 'charConstant':
      case 'number':
        try {
          return { t: 'number', pos: it.pos, text: it.val, ...parseNumber(it.val, it.type) };
        } catch (e) {
          this.errorf((e as Error).message);
        }
      // eslint-disable-next-line no-fallthrough
      case 'leftParen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        return { t: 'pipe', pos: it.pos, pipe };
      }
      case 'string':
      case 'rawString':
        try {
          return { t: 'string', pos: it.pos, quoted: it.val, value: unquote(it.val) };
        } catch (e) {
          this.errorf((e as Error).message);
        }
    }
    this.backup();
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Functions

type ParamType = 'string' | 'int' | '[]string' | 'any' | 'value';

/** A template function. `value` params receive the raw value (undefined = Go's invalid Value). */
interface FuncDef {
  params: ParamType[];
  variadic?: ParamType;
  fn: (...args: unknown[]) => unknown;
}

class CallError extends Error {}

function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'function' || v instanceof Date) return true;
  if (structTypeOf(v)) return true;
  return Object.keys(v as object).length > 0;
}

type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'other';
function basicKind(v: unknown): Kind {
  if (v === undefined || v === null) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new CallError('missing argument for comparison');
  const k1 = basicKind(arg1);
  if (k1 === 'other' && (Array.isArray(arg1) || isPlainMap(arg1)))
    throw new CallError(`non-comparable type ${printValue(arg1)}: ${goTypeName(arg1)}`);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let same: boolean;
    const numeric = (k: Kind): boolean => k === 'int' || k === 'float';
    if (k1 !== k2 && !(numeric(k1) && numeric(k2))) {
      if (k1 === 'invalid' || k2 === 'invalid') same = false;
      else throw new CallError('incompatible types for comparison');
    } else if (k1 === 'invalid') same = true;
    else if (k1 === 'other') {
      if (Array.isArray(arg) || isPlainMap(arg))
        throw new CallError(
          `non-comparable types ${printValue(arg1)}: ${goTypeName(arg1)}, ${goTypeName(arg)}`,
        );
      same = arg1 === arg;
    } else if (numeric(k1) && k1 !== k2) throw new CallError('incompatible types for comparison');
    else same = arg1 === arg || (typeof arg1 === 'bigint' && BigInt(arg as number) === arg1);
    if (same) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (
    ka === 'invalid' ||
    kb === 'invalid' ||
    ka === 'other' ||
    kb === 'other' ||
    ka === 'bool' ||
    kb === 'bool'
  )
    throw new CallError('invalid type for comparison');
  if (ka !== kb) throw new CallError('incompatible types for comparison');
  if (ka === 'string') return compareGoStrings(a as string, b as string) < 0;
  return (a as number) < (b as number);
}

function indexArg(index: unknown, cap: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index))
    throw new CallError(`cannot index slice/array with type ${goTypeName(index)}`);
  if (index < 0 || index > cap) throw new CallError(`index out of range: ${index}`);
  return index;
}

function indexFn(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new CallError('index of untyped nil');
  for (const index of indexes) {
    if (item === null) throw new CallError('index of nil pointer');
    if (typeof item === 'string' || Array.isArray(item)) {
      const bytes = typeof item === 'string' ? Buffer.from(item) : undefined;
      const len = bytes ? bytes.length : (item as unknown[]).length;
      const x = indexArg(index, len);
      if (x === len) throw new CallError(`index out of range: ${x}`);
      item = bytes ? bytes[x] : (item as unknown[])[x];
    } else if (isPlainMap(item) && !structTypeOf(item)) {
      if (typeof index !== 'string')
        throw new CallError(`value has type ${goTypeName(index)}; should be string`);
      item = Object.prototype.hasOwnProperty.call(item, index)
        ? item[index]
        : mapObjects.has(item)
          ? mapObjects.get(item)
          : null;
    } else throw new CallError(`can't index item of type ${goTypeName(item)}`);
  }
  return item;
}

function sliceFn(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new CallError('slice of untyped nil');
  if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new CallError('cannot 3-index slice a string');
    len = Buffer.byteLength(item);
  } else if (Array.isArray(item)) len = item.length;
  else throw new CallError(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, len];
  indexes.forEach((x, i) => (idx[i] = indexArg(x, len)));
  if (idx[0] > idx[1]) throw new CallError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (typeof item === 'string') return Buffer.from(item).subarray(idx[0], idx[1]).toString();
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function lengthFn(item: unknown): number {
  if (item === undefined || item === null) throw new CallError('len of nil pointer');
  if (typeof item === 'string') return byteLength(item);
  if (Array.isArray(item)) return item.length;
  if (isPlainMap(item) && !structTypeOf(item)) return Object.keys(item).length;
  throw new CallError(`len of type ${goTypeName(item)}`);
}

function evalArgsString(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args);
}

function htmlEscape(s: string): string {
  return s.replace(
    /[<>&'"\0]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\ufffd' })[c]!,
  );
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const special: Record<string, string> = {
      '\\': '\\\\',
      "'": "\\'",
      '"': '\\"',
      '<': '\\u003C',
      '>': '\\u003E',
      '&': '\\u0026',
      '=': '\\u003D',
    };
    if (special[ch]) out += special[ch];
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp >= 0x80 && !/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch) && ch !== ' ')
      out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep =
      prev.charCodeAt(0) <= 0x7f
        ? !/[0-9a-zA-Z_]/.test(prev)
        : !/[\p{L}\p{Nd}]/u.test(prev) && /\s/u.test(prev);
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function truncateBytes(s: string, length: number): string {
  const b = Buffer.from(s);
  if (b.length < length) return s;
  return b.subarray(0, Math.max(length, 0)).toString();
}

const BUILTINS: Record<string, FuncDef> = {
  // and/or are evaluated lazily by the executor; these defs only declare their arity
  and: { params: ['value'], variadic: 'value', fn: () => undefined },
  or: { params: ['value'], variadic: 'value', fn: () => undefined },
  not: { params: ['value'], fn: (v) => !truth(v) },
  len: { params: ['value'], fn: lengthFn },
  index: { params: ['value'], variadic: 'value', fn: indexFn },
  slice: { params: ['value'], variadic: 'value', fn: sliceFn },
  eq: { params: ['value'], variadic: 'value', fn: eq },
  ne: { params: ['value', 'value'], fn: (a, b) => !eq(a, b) },
  lt: { params: ['value', 'value'], fn: (a, b) => lt(a, b) },
  le: { params: ['value', 'value'], fn: (a, b) => lt(a, b) || eq(a, b) },
  gt: { params: ['value', 'value'], fn: (a, b) => !lt(a, b) && !eq(a, b) },
  ge: { params: ['value', 'value'], fn: (a, b) => !lt(a, b) },
  print: { params: [], variadic: 'any', fn: (...a) => sprint(a) },
  println: { params: [], variadic: 'any', fn: (...a) => sprintln(a) },
  printf: { params: ['string'], variadic: 'any', fn: (f, ...a) => sprintf(f as string, a) },
  html: { params: [], variadic: 'any', fn: (...a) => htmlEscape(evalArgsString(a)) },
  js: { params: [], variadic: 'any', fn: (...a) => jsEscape(evalArgsString(a)) },
  urlquery: { params: [], variadic: 'any', fn: (...a) => queryEscape(evalArgsString(a)) },
  call: {
    params: ['value'],
    variadic: 'value',
    fn: (f, ...a) => {
      if (typeof f !== 'function') throw new CallError(`non-function of type ${goTypeName(f)}`);
      return (f as (...x: unknown[]) => unknown)(...a);
    },
  },
};

/** templates.basicFunctions of docker/cli. */
const DOCKER_FUNCS: Record<string, FuncDef> = {
  json: { params: ['any'], fn: (v) => goJson(v) },
  split: { params: ['string', 'string'], fn: (s, sep) => goSplit(s as string, sep as string) },
  join: { params: ['[]string', 'string'], fn: (a, sep) => (a as string[]).join(sep as string) },
  title: { params: ['string'], fn: (s) => title(s as string) },
  lower: { params: ['string'], fn: (s) => (s as string).toLowerCase() },
  upper: { params: ['string'], fn: (s) => (s as string).toUpperCase() },
  pad: {
    params: ['string', 'int', 'int'],
    fn: (s, p, q) =>
      s === '' ? s : ' '.repeat(Math.max(p as number, 0)) + s + ' '.repeat(Math.max(q as number, 0)),
  },
  truncate: { params: ['string', 'int'], fn: (s, n) => truncateBytes(s as string, n as number) },
};

/** templates.HeaderFunctions: table headers stay the column names whatever the cell transforms. */
export const HEADER_FUNCS: Record<string, FuncDef> = {
  json: { params: ['any'], fn: (v) => (typeof v === 'string' ? v : goJson(v)) },
  split: { params: ['string', 'string'], fn: (s) => s },
  join: { params: ['string', 'string'], fn: (s) => s },
  title: { params: ['string'], fn: (s) => s },
  lower: { params: ['string'], fn: (s) => s },
  upper: { params: ['string'], fn: (s) => s },
  truncate: { params: ['string', 'int'], fn: (s) => s },
};

/** strings.Split: an empty separator splits into UTF-8 sequences. */
function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

const FUNCS: ReadonlyMap<string, FuncDef> = new Map(Object.entries({ ...BUILTINS, ...DOCKER_FUNCS }));

// ---------------------------------------------------------------------------------------------
// Executor

const MISSING = Symbol('missing');
type Final = unknown | typeof MISSING;

class ExecFailure extends Error {}
class BreakSignal {}
class ContinueSignal {}

export interface ExecuteOptions {
  /** Go's `missingkey=error`: a missing map key is an error instead of `<no value>`. */
  missingKey?: 'default' | 'error';
  /** Replaces functions by name (Docker's header functions). */
  funcs?: Record<string, FuncDef>;
  /**
   * Objects reached through these field names behave as Go maps even under `missingkey=error`,
   * and a nil one yields `<no value>` (typed Docker structs have map-typed Labels, Options…).
   */
  mapFields?: ReadonlySet<string>;
}

class State {
  private vars: { name: string; value: unknown }[];
  private node: { pos: number; str: string } = { pos: 0, str: '' };
  private funcs: Map<string, FuncDef>;
  out = '';

  constructor(
    private text: string,
    data: unknown,
    private opts: ExecuteOptions,
  ) {
    this.vars = [{ name: '$', value: data }];
    this.funcs = new Map(FUNCS);
    for (const [k, v] of Object.entries(opts.funcs ?? {})) this.funcs.set(k, v);
  }

  private at(pos: number, str: string): void {
    this.node = { pos, str };
  }
  private atArg(a: Arg): void {
    this.at(a.pos, argString(a));
  }

  errorf(msg: string): never {
    const before = this.text.slice(0, this.node.pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = byteLength(before.slice(nl + 1));
    let ctx = this.node.str;
    if ([...ctx].length > 20) ctx = [...ctx].slice(0, 20).join('') + '...';
    throw new ExecFailure(`template: :${line}:${col}: executing "" at <${ctx}>: ${msg}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: unknown, nodes: TNode[]): void {
    for (const n of nodes) this.walkNode(dot, n);
  }

  private walkNode(dot: unknown, n: TNode): void {
    switch (n.t) {
      case 'text':
        this.out += n.text;
        return;
      case 'action': {
        const v = this.evalPipeline(dot, n.pipe);
        if (n.pipe.decl.length === 0) this.print(v);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, n.pipe);
        if (truth(v)) this.walk(n.t === 'with' ? v : dot, n.list);
        else if (n.elseList) this.walk(dot, n.elseList);
        this.vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(dot, n);
        return;
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private print(v: unknown): void {
    if (typeof v === 'function') {
      this.errorf(`can't print ${this.node.str} of type func`);
    }
    this.out += printValue(v);
  }

  private walkRange(dot: unknown, n: Extract<TNode, { t: 'range' }>): void {
    this.at(n.pos, pipeString(n.pipe));
    const outer = this.vars.length;
    const val = this.evalPipeline(dot, n.pipe);
    const mark = this.vars.length;
    const decl = n.pipe.decl;
    const one = (index: unknown, elem: unknown): boolean => {
      if (decl.length > 0) {
        if (n.pipe.isAssign) this.setVar(decl[0], decl.length > 1 ? index : elem);
        else this.vars[this.vars.length - 1].value = elem;
      }
      if (decl.length > 1) {
        if (n.pipe.isAssign) this.setVar(decl[1], elem);
        else this.vars[this.vars.length - 2].value = index;
      }
      try {
        this.walk(elem, n.list);
      } catch (e) {
        if (e instanceof BreakSignal) return false;
        if (!(e instanceof ContinueSignal)) throw e;
      } finally {
        this.vars.length = mark;
      }
      return true;
    };
    let iterated = false;
    if (Array.isArray(val)) {
      for (let i = 0; i < val.length; i++) {
        iterated = true;
        if (!one(i, val[i])) break;
      }
    } else if (typeof val === 'number' && Number.isInteger(val)) {
      if (decl.length > 1) this.errorf(`can't use ${val} to iterate over more than one variable`);
      for (let i = 0; i < val; i++) {
        iterated = true;
        if (!one(i, i)) break;
      }
    } else if (isPlainMap(val) && !structTypeOf(val)) {
      for (const k of Object.keys(val).sort(compareGoStrings)) {
        iterated = true;
        if (!one(k, val[k])) break;
      }
    } else if (val !== undefined && val !== null) {
      this.errorf(`range can't iterate over ${printValue(val)}`);
    }
    if (!iterated && n.elseList) this.walk(dot, n.elseList);
    this.vars.length = outer;
  }

  private evalPipeline(dot: unknown, pipe: Pipe): unknown {
    this.at(pipe.pos, pipeString(pipe));
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(args: Arg[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.errorf(`can't give argument to non-function ${argString(args[0])}`);
  }

  private evalCommand(dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0];
    switch (first.t) {
      case 'field':
        this.atArg(first);
        return this.evalFieldChain(dot, dot, first.idents, cmd.args, final, undefined);
      case 'chain': {
        this.atArg(first);
        if (first.node.t === 'nil') this.errorf(`indirection through explicit nil in ${argString(first)}`);
        const recv = this.evalArg(dot, first.node);
        const via =
          first.node.t === 'field' || first.node.t === 'variable' ? first.node.idents.at(-1) : undefined;
        return this.evalFieldChain(dot, recv, first.fields, cmd.args, final, via);
      }
      case 'identifier':
        return this.evalFunction(dot, first, { pos: cmd.pos, str: commandString(cmd) }, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.atArg(first);
    this.notAFunction(cmd.args, final);
    switch (first.t) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // eslint-disable-next-line no-fallthrough
      case 'number':
        return first.value;
      case 'string':
        return first.value;
    }
  }

  private evalVariable(dot: unknown, v: Extract<Arg, { t: 'variable' }>, args: Arg[], final: Final): unknown {
    this.atArg(v);
    const value = this.varValue(v.idents[0]);
    if (v.idents.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v.idents.slice(1), args, final, undefined);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    idents: string[],
    args: Arg[],
    final: Final,
    via: string | undefined,
  ): unknown {
    const n = idents.length;
    for (let i = 0; i < n - 1; i++) {
      receiver = this.evalField(dot, idents[i], [], MISSING, receiver, via);
      via = idents[i];
    }
    return this.evalField(dot, idents[n - 1], args, final, receiver, via);
  }

  private evalField(
    dot: unknown,
    name: string,
    args: Arg[],
    final: Final,
    receiver: unknown,
    via?: string,
  ): unknown {
    const viaMap = via !== undefined && this.opts.mapFields?.has(via) === true;
    if (receiver === undefined) {
      if (this.opts.missingKey === 'error' && !viaMap) this.errorf(`nil data; no entry for key "${name}"`);
      return undefined;
    }
    if (receiver === null) {
      if (viaMap) return undefined;
      this.errorf(`nil pointer evaluating interface {}.${name}`);
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (typeof receiver === 'object' && !Array.isArray(receiver) && !(receiver instanceof Date)) {
      const obj = receiver as Record<string, unknown>;
      const structType = structTypeOf(obj);
      const present =
        name in obj && !(name in Object.prototype && !Object.prototype.hasOwnProperty.call(obj, name));
      if (present) {
        const value = obj[name];
        if (typeof value === 'function') return this.callMethod(dot, name, value.bind(obj), args, final);
        if (hasArgs) {
          this.errorf(
            structType
              ? `${name} has arguments but cannot be invoked as function`
              : `${name} is not a method but has arguments`,
          );
        }
        return value;
      }
      if (structType) this.errorf(`can't evaluate field ${name} in type ${structType}`);
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      if (this.opts.missingKey === 'error' && !viaMap && !mapObjects.has(obj))
        this.errorf(`map has no entry for key "${name}"`);
      return undefined;
    }
    this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private callMethod(
    dot: unknown,
    name: string,
    fn: (...a: unknown[]) => unknown,
    args: Arg[],
    final: Final,
  ): unknown {
    const argv = args.slice(1).map((a) => this.evalArg(dot, a));
    if (final !== MISSING) argv.push(final);
    if (fn.length !== argv.length)
      this.errorf(`wrong number of args for ${name}: want ${fn.length} got ${argv.length}`);
    try {
      return fn(...argv);
    } catch (e) {
      this.errorf(`error calling ${name}: ${(e as Error).message}`);
    }
  }

  private evalFunction(
    dot: unknown,
    ident: Extract<Arg, { t: 'identifier' }>,
    callSite: { pos: number; str: string },
    args: Arg[],
    final: Final,
  ): unknown {
    this.atArg(ident);
    const name = ident.name;
    const def = this.funcs.get(name);
    if (!def) this.errorf(`"${name}" is not a defined function`);
    const rest = args.slice(1);
    const numIn = rest.length + (final !== MISSING ? 1 : 0);
    const want = def.params.length;
    if (def.variadic !== undefined) {
      if (numIn < want) this.errorf(`wrong number of args for ${name}: want at least ${want} got ${numIn}`);
    } else if (numIn !== want) this.errorf(`wrong number of args for ${name}: want ${want} got ${numIn}`);

    if (name === 'and' || name === 'or') {
      let v: unknown;
      for (const a of rest) {
        v = this.evalArg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final !== MISSING ? final : v;
    }

    const typeAt = (i: number): ParamType => (i < def.params.length ? def.params[i] : def.variadic!);
    const argv = rest.map((a, i) => this.convertArg(this.evalArg(dot, a), typeAt(i), a));
    if (final !== MISSING) argv.push(this.convertArg(final, typeAt(argv.length), undefined));
    this.at(callSite.pos, callSite.str);
    try {
      return def.fn(...argv);
    } catch (e) {
      if (e instanceof ExecFailure) throw e;
      this.errorf(`error calling ${name}: ${(e as Error).message}`);
    }
  }

  private convertArg(v: unknown, type: ParamType, node: Arg | undefined): unknown {
    if (type === 'value') return v;
    if (type === 'any') return v === undefined ? null : v;
    if (node && node.t === 'number' && type !== 'int' && type !== 'string') return v;
    if (v === undefined || (v === null && type !== '[]string')) {
      if (node?.t === 'nil') this.errorf(`cannot assign nil to ${type}`);
      this.errorf(`invalid value; expected ${type}`);
    }
    if (node?.t === 'number' && type === 'int') {
      if (!node.isInt) this.errorf(`expected integer; found ${node.text}`);
      return v;
    }
    const ok =
      type === 'string'
        ? typeof v === 'string'
        : type === 'int'
          ? typeof v === 'number' && Number.isInteger(v)
          : v === null || (Array.isArray(v) && v.every((e) => typeof e === 'string'));
    if (!ok) {
      if (node?.t === 'number' || node?.t === 'bool' || node?.t === 'string') {
        this.errorf(`expected ${type === 'int' ? 'integer' : type}; found ${argString(node)}`);
      }
      this.errorf(`wrong type for value; expected ${type}; got ${goTypeName(v)}`);
    }
    return v === null ? [] : v;
  }

  private evalArg(dot: unknown, a: Arg): unknown {
    this.atArg(a);
    switch (a.t) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'field':
        return this.evalFieldChain(dot, dot, a.idents, [a], MISSING, undefined);
      case 'variable':
        return this.evalVariable(dot, a, [], MISSING);
      case 'pipe':
        return this.evalPipeline(dot, a.pipe);
      case 'identifier':
        return this.evalFunction(dot, a, { pos: a.pos, str: a.name }, [a], MISSING);
      case 'chain': {
        if (a.node.t === 'nil') this.errorf(`indirection through explicit nil in ${argString(a)}`);
        const recv = this.evalArg(dot, a.node);
        this.atArg(a);
        const via = a.node.t === 'field' || a.node.t === 'variable' ? a.node.idents.at(-1) : undefined;
        return this.evalFieldChain(dot, recv, a.fields, [], MISSING, via);
      }
      case 'bool':
      case 'number':
      case 'string':
        return a.value;
    }
  }
}

/**
 * Objects that keep Go map semantics even under `missingkey=error` (see markMap), with the zero
 * value of their element type: what `index` returns for a missing key.
 */
const mapObjects = new WeakMap<object, unknown>();

/**
 * Marks a nested object as a typed Go map (Labels, Options…): a missing key prints `<no value>`,
 * and `index` of a missing key gives the element type's zero value (`""` for map[string]string;
 * nil, the default, for maps of pointers such as Networks).
 */
export function markMap<T extends object>(obj: T, zero: unknown = null): T {
  mapObjects.set(obj, zero);
  return obj;
}

// ---------------------------------------------------------------------------------------------
// API

export interface Template {
  /** Runs the template; throws GoTemplateError (exit 1) with Go's message on an execution error. */
  execute(data: unknown, opts?: ExecuteOptions): string;
  /** Like execute, but returns what was written before a failure too (Go writes as it goes). */
  executePartial(data: unknown, opts?: ExecuteOptions): { out: string; error?: GoTemplateError };
}

/**
 * Parses a Go template (`name` as Go's template.New gives it; Docker's are mostly unnamed). A syntax error throws GoTemplateError with Docker's
 * `template parsing error: template: :1: …` message and exit code 64 (inspect's).
 */
export function compileTemplate(text: string, name = ''): Template {
  // Go names the template in every message: `template: NAME:1:2: executing "NAME" at …`.
  const named = (msg: string): string =>
    name === ''
      ? msg
      : msg.replace(
          /^template: :(\d+(?::\d+)?): (executing "")?/,
          (_m, pos: string, exec?: string) =>
            `template: ${name}:${pos}: ${exec ? `executing "${name}"` : ''}`,
        );
  let root: TNode[];
  try {
    root = new Parser(lex(text), FUNCS).parse();
  } catch (e) {
    if (!(e instanceof ParseFailure)) throw e;
    const msg = named(e.message);
    throw new GoTemplateError(`template parsing error: ${msg}`, msg, 64);
  }
  const executePartial = (
    data: unknown,
    opts: ExecuteOptions = {},
  ): { out: string; error?: GoTemplateError } => {
    const st = new State(text, data, opts);
    try {
      st.walk(data, root);
      return { out: st.out };
    } catch (e) {
      if (!(e instanceof ExecFailure)) throw e;
      const msg = named(e.message);
      return { out: st.out, error: new GoTemplateError(msg, msg, 1) };
    }
  };
  return {
    executePartial,
    execute(data, opts) {
      const r = executePartial(data, opts);
      if (r.error) throw r.error;
      return r.out;
    },
  };
}
