import { expect } from 'chai';
import { randomBytes, randomHex, randomInt, sha256Hex } from '../../src/runtime/state/ids.js';

describe('ids: random ids from /dev/urandom, hashes', () => {
  it('gives the bytes and hex asked for, different each time', () => {
    expect(randomBytes(0)).to.have.length(0);
    expect(randomBytes(100_000)).to.have.length(100_000);
    const ids = new Set(Array.from({ length: 50 }, () => randomHex(32)));
    expect(ids.size).to.equal(50);
    for (const id of ids) expect(id).to.match(/^[0-9a-f]{64}$/);
  });

  it('picks integers in [0, max), every value reachable', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = randomInt(7);
      expect(v).to.be.within(0, 6);
      seen.add(v);
    }
    expect(seen.size).to.equal(7);
    expect(randomInt(1)).to.equal(0);
    expect(randomInt(2 ** 32)).to.be.within(0, 2 ** 32 - 1);
  });

  it('hashes as SHA-256', () => {
    expect(sha256Hex('')).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(Buffer.from('abc'))).to.equal(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
