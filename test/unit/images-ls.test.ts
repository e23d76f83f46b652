/** Which rows `images` shows for a set of image records (verbs/image/ls.ts rowNames). */
import { expect } from 'chai';
import { rowNames } from '../../src/runtime/verbs/image/ls.js';
import { danglingName, isDanglingName } from '../../src/runtime/images/content.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const M = `sha256:${'c'.repeat(64)}`;
const rec = (name: string, configDigest: string) => ({ record: { name }, configDigest });
const shown = (all: ReturnType<typeof rec>[]) =>
  rowNames(all).map(
    ({ name: n }) => `${n.repository} ${n.tag} ${n.digest}${n.dangling ? ' (dangling)' : ''}`,
  );

describe('images: rows of image records', () => {
  it("CRI's three names of a pulled image make Docker's one row, the digest in its column", () => {
    expect(
      shown([
        rec('127.0.0.1:5000/app:v1', A),
        rec(`127.0.0.1:5000/app@${M}`, A),
        rec(A, A), // the CRI plugin's image-id name
      ]),
    ).to.deep.equal([`127.0.0.1:5000/app v1 ${M}`]);
  });

  it('a digest name alone is a <none> tag row; one of another repository stays', () => {
    expect(shown([rec(`docker.io/library/nginx@${M}`, A)])).to.deep.equal([`nginx <none> ${M}`]);
    expect(shown([rec('docker.io/library/nginx:1', A), rec(`docker.io/other/nginx@${M}`, A)])).to.deep.equal([
      'nginx 1 <none>',
      `other/nginx <none> ${M}`,
    ]);
  });

  it("the CRI plugin's id names are no names", () => {
    expect(isDanglingName(A)).to.equal(true);
    expect(isDanglingName('sha256:abc')).to.equal(false);
    expect(isDanglingName(`docker.io/library/busybox@${A}`)).to.equal(false);
    expect(isDanglingName('docker.io/library/sha256:latest')).to.equal(false);
  });

  it('an id name or a dangling record shows only when the content has no other name', () => {
    expect(shown([rec(B, B)])).to.deep.equal(['<none> <none> <none> (dangling)']);
    expect(shown([rec(danglingName({ digest: M, mediaType: '', size: 0 }), B)])).to.deep.equal([
      '<none> <none> <none> (dangling)',
    ]);
    expect(shown([rec(B, B), rec('busybox:latest', B)])).to.deep.equal(['busybox latest <none>']);
  });
});
