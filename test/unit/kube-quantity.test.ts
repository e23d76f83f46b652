import { expect } from 'chai';
import {
  cpuQuantity,
  cpuToMilli,
  memoryQuantity,
  memoryToBytes,
  milliToShares,
  sharesToMilli,
} from '../../src/runtime/kube/quantity.js';

describe('kube quantities', () => {
  it('CPU: millicores both ways, shares as the kubelet converts them', () => {
    expect(cpuQuantity(500)).to.equal('500m');
    expect(cpuQuantity(2000)).to.equal('2');
    expect(cpuToMilli('500m')).to.equal(500);
    expect(cpuToMilli('1.5')).to.equal(1500);
    expect(cpuToMilli(2)).to.equal(2000);
    expect(sharesToMilli(512)).to.equal(500);
    expect(milliToShares(500)).to.equal(512);
    expect(milliToShares(0)).to.equal(2);
    expect(milliToShares(1)).to.equal(2);
  });
  it('memory: whole binary units, bytes otherwise; parsing of every suffix', () => {
    expect(memoryQuantity(268435456)).to.equal('256Mi');
    expect(memoryQuantity(2 ** 30)).to.equal('1Gi');
    expect(memoryQuantity(1536)).to.equal('1536');
    expect(memoryQuantity(3 * 2 ** 10)).to.equal('3Ki');
    expect(memoryToBytes('256Mi')).to.equal(268435456);
    expect(memoryToBytes('1G')).to.equal(1e9);
    expect(memoryToBytes('128974848')).to.equal(128974848);
    expect(memoryToBytes('129e6')).to.equal(129e6);
    expect(() => memoryToBytes('12 MB')).to.throw('invalid quantity "12 MB" for memory');
  });
});
