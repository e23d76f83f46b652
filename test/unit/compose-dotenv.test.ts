/** The .env format, on compose-go's dotenv fixtures (quoted.env, unquoted.env, substitutions.env). */
import { expect } from 'chai';
import { parseDotenv } from '../../src/runtime/compose/dotenv.js';

const parse = (text: string, env: Record<string, string> = {}) =>
  Object.fromEntries(parseDotenv(text, (k) => env[k]));

describe('compose .env files', function () {
  it('quoted values (fixtures/quoted.env)', function () {
    const text = `OPTION_A='1'
OPTION_B='2'
OPTION_C=''
OPTION_D='\\n'
OPTION_E="1"
OPTION_F="2"
OPTION_G=""
OPTION_H="\\n"
OPTION_I = "echo 'asd'" # Inline comment
OPTION_J = 'first line
second line
third line
and so on'
OPTION_K='Let\\'s go!'
OPTION_Z = "last value"
`;
    expect(parse(text)).to.deep.equal({
      OPTION_A: '1',
      OPTION_B: '2',
      OPTION_C: '',
      OPTION_D: '\\n',
      OPTION_E: '1',
      OPTION_F: '2',
      OPTION_G: '',
      OPTION_H: '\n',
      OPTION_I: "echo 'asd'",
      OPTION_J: 'first line\nsecond line\nthird line\nand so on',
      OPTION_K: "Let's go!",
      OPTION_Z: 'last value',
    });
  });

  it('unquoted values (fixtures/unquoted.env)', function () {
    const text = `OPTION_A = "some quoted phrase"
OPTION_B=first one with an unquoted phrase
OPTION_C = then another one with an unquoted phrase
OPTION_D = then another one with an unquoted phrase special è char
OPTION_E = "then another one quoted phrase"
`;
    expect(parse(text)).to.deep.equal({
      OPTION_A: 'some quoted phrase',
      OPTION_B: 'first one with an unquoted phrase',
      OPTION_C: 'then another one with an unquoted phrase',
      OPTION_D: 'then another one with an unquoted phrase special è char',
      OPTION_E: 'then another one quoted phrase',
    });
  });

  it('substitutions (fixtures/substitutions.env), the lookup first', function () {
    const text =
      'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n';
    expect(parse(text)).to.deep.equal({
      OPTION_A: '1',
      OPTION_B: '1',
      OPTION_C: '1',
      OPTION_D: '1_1',
      OPTION_E: '',
    });
    expect(parse('A=$HOME/x\nB=\'$HOME\'\nC="\\$HOME"\n', { HOME: '/root' })).to.deep.equal({
      A: '/root/x',
      B: '$HOME',
      C: '$HOME',
    });
  });

  it('export, yaml-style colons, bare keys, comments, a BOM', function () {
    expect(
      parse('\uFEFF# c\nexport A=1\nB: 2\nC\n  # indented comment\nD=x#notacomment\n', { C: 'from-env' }),
    ).to.deep.equal({
      A: '1',
      B: '2',
      C: 'from-env',
      D: 'x#notacomment',
    });
  });

  it('errors carry the line', function () {
    expect(() => parse('A=1\nB C=2\n')).to.throw('line 2: key cannot contain a space');
    expect(() => parse('A=1\nB="open\n')).to.throw('line 3: unterminated quoted value "open'); // compose-go counts the newline it scanned past
    expect(() => parse('A=1\nB$=2\n')).to.throw(/line 2: unexpected character "\$" in variable name/);
  });
});
