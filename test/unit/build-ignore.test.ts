/**
 * .dockerignore matching against moby's patternmatcher and ignorefile test cases (the tables of
 * patternmatcher_test.go: TestMatches, TestMatch from Go's filepath tests, the exclusion cases).
 */
import { expect } from 'chai';
import { PatternMatcher, goClean, readIgnoreFile } from '../../src/runtime/build/ignore.js';

const single: [string, string, boolean][] = [
  ['**', 'file', true],
  ['**', 'file/', true],
  ['**/', 'file', true],
  ['**/', 'file/', true],
  ['**', '/', true],
  ['**/', '/', true],
  ['**', 'dir/file', true],
  ['**/', 'dir/file', true],
  ['**', 'dir/file/', true],
  ['**/', 'dir/file/', true],
  ['**/**', 'dir/file', true],
  ['**/**', 'dir/file/', true],
  ['dir/**', 'dir/file', true],
  ['dir/**', 'dir/file/', true],
  ['dir/**', 'dir/dir2/file', true],
  ['dir/**', 'dir/dir2/file/', true],
  ['**/dir', 'dir', true],
  ['**/dir', 'dir/file', true],
  ['**/dir2/*', 'dir/dir2/file', true],
  ['**/dir2/*', 'dir/dir2/file/', true],
  ['**/dir2/**', 'dir/dir2/dir3/file', true],
  ['**/dir2/**', 'dir/dir2/dir3/file/', true],
  ['**file', 'file', true],
  ['**file', 'dir/file', true],
  ['**/file', 'dir/file', true],
  ['**file', 'dir/dir/file', true],
  ['**/file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file.txt', true],
  ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/file*.txt', 'dir/dir/file.txt', true],
  ['**/file*.txt*', 'dir/dir/file.txt', true],
  ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false],
  ['**/*.txt', 'file.txt', true],
  ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true],
  ['a**/*.txt', 'a/dir/file.txt', true],
  ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false],
  ['a/*.txt', 'a/file.txt', true],
  ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false],
  ['a[b-d]e', 'ace', true],
  ['a[b-d]e', 'aae', false],
  ['a[^b-d]e', 'aze', true],
  ['.*', '.foo', true],
  ['.*', 'foo', false],
  ['abc.def', 'abcdef', false],
  ['abc.def', 'abc.def', true],
  ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true],
  ['abc?def', 'abcdef', false],
  ['a\\\\', 'a\\', true],
  ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true],
  ['**/foo/bar', 'dir/dir2/foo/bar', true],
  ['abc/**', 'abc', false],
  ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true],
  ['**/.foo', '.foo', true],
  ['**/.foo', 'bar.foo', false],
  ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  [
    'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl',
    'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl',
    true,
  ],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['a\\*b', 'a*b', true],
];

const multi: [string[], string, boolean][] = [
  [['**', '!util/docker/web'], 'util/docker/web/foo', false],
  [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
  [
    ['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'],
    'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl',
    false,
  ],
  [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
  [['!fileutils.go', '*.go'], 'fileutils.go', true],
  [['docs', '!docs/README.md'], 'docs/README.md', false],
  [['docs/', '!docs/README.md'], 'docs/README.md', false],
  [['docs/*', '!docs/README.md'], 'docs/README.md', false],
  [['*.go', '!fileutils.go'], 'fileutils.go', false],
  [['*'], 'fileutils.go', true],
  [['*.go'], 'fileutils.go', true],
  [['*.go'], '.', false],
  [[], '/any/path/there', false],
];

/** Go's filepath.Match cases as moby runs them through Matches (null: ErrBadPattern). */
const goMatch: [string, string, boolean | null][] = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', true],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[^a][^a][^a]b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', '-', true],
  ['[\\-x]', 'a', false],
  ['[]a]', ']', null],
  ['[-]', '-', null],
  ['[x-]', 'x', null],
  ['[x-]', '-', null],
  ['[x-]', 'z', null],
  ['[-x]', 'x', null],
  ['[-x]', '-', null],
  ['[-x]', 'a', null],
  ['\\', 'a', null],
  ['[a-b-c]', 'a', null],
  ['[', 'a', null],
  ['[^', 'a', null],
  ['[^bc', 'a', null],
  ['a[', 'a', null],
  ['a[', 'ab', null],
  ['*x', 'xxx', true],
];

describe('build: .dockerignore matching (moby patternmatcher cases)', () => {
  it('single patterns (TestMatches)', () => {
    for (const [pattern, text, pass] of single) {
      expect(new PatternMatcher([pattern]).matches(text), `${pattern} ~ ${text}`).to.equal(pass);
    }
  });

  it('single patterns, walking from the parents (MatchesUsingParentResults)', () => {
    for (const [pattern, text, pass] of single) {
      const pm = new PatternMatcher([pattern]);
      const cleaned = goClean(text);
      const dirs = cleaned.split('/').slice(0, -1);
      let info: boolean[] | undefined;
      for (let i = 0; i < dirs.length; i++) {
        if (dirs.slice(0, i + 1).join('/') === '') continue;
        info = pm.matchesUsingParents(dirs.slice(0, i + 1).join('/'), info).info;
      }
      expect(pm.matchesUsingParents(cleaned, info).matched, `${pattern} ~ ${text}`).to.equal(pass);
    }
  });

  it('several patterns with exceptions', () => {
    for (const [patterns, text, pass] of multi) {
      expect(new PatternMatcher(patterns).matches(text), `${patterns.join(' ')} ~ ${text}`).to.equal(pass);
    }
  });

  it("Go's filepath.Match cases, malformed patterns refused", () => {
    for (const [pattern, text, want] of goMatch) {
      if (want === null) {
        expect(() => new PatternMatcher([pattern]).matches(text), pattern).to.throw();
      } else {
        expect(new PatternMatcher([pattern]).matches(text), `${pattern} ~ ${text}`).to.equal(want);
      }
    }
  });

  it('a lone "!" is refused; exceptions are noticed; blank patterns are dropped', () => {
    expect(() => new PatternMatcher(['!'])).to.throw('illegal exclusion pattern: "!"');
    expect(new PatternMatcher(['docs', '  !docs/README.md']).exclusions).to.equal(true);
    expect(new PatternMatcher(['docs', '!docs/README.md  ']).exclusions).to.equal(true);
    expect(new PatternMatcher(['docs', 'config', '']).empty).to.equal(false);
  });

  it('reads an ignore file as moby ignorefile.ReadAll does', () => {
    const text = '\uFEFF# comment\n  *.log \n!keep.log\n/abs/path\n! ./x/../y\n\n #not a comment\ndir/\n';
    expect(readIgnoreFile(text)).to.deep.equal([
      '*.log',
      '!keep.log',
      'abs/path',
      '!y',
      '#not a comment',
      'dir',
    ]);
    const pm = new PatternMatcher(readIgnoreFile(text));
    expect(pm.matches('a.log')).to.equal(true);
    expect(pm.matches('keep.log')).to.equal(false);
    expect(pm.matches('dir/sub/file')).to.equal(true);
  });
});
