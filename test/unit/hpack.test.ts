import { expect } from 'chai';
import {
  encodeHeaders,
  HpackDecoder,
  HpackError,
  huffmanCode,
  huffmanDecode,
  type HeaderField,
} from '../../src/runtime/containerd/hpack.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('hpack (RFC 7541)', () => {
  it('rebuilds the Huffman code of Appendix B from its code lengths', () => {
    const cases: Array<[number, number, number]> = [
      [0, 0x1ff8, 13],
      [1, 0x7fffd8, 23],
      [32, 0x14, 6], // ' '
      [33, 0x3f8, 10], // '!'
      [48, 0x0, 5], // '0'
      [97, 0x3, 5], // 'a'
      [122, 0x7b, 7], // 'z'
      [255, 0x3ffffee, 26],
      [256, 0x3fffffff, 30], // EOS
    ];
    for (const [sym, code, bits] of cases)
      expect(huffmanCode(sym), `symbol ${sym}`).to.deep.equal({ code, bits });
  });

  it('decodes the requests of C.4 (Huffman, one dynamic table across them)', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).to.deep.equal([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ]);
    expect(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf'))).to.deep.equal([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ]);
    expect(d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))).to.deep.equal([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ]);
    expect(d.table()).to.deep.equal([
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ]);
  });

  const responses: HeaderField[][] = [
    [
      [':status', '302'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ],
    [
      [':status', '307'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ],
    [
      [':status', '200'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
      ['location', 'https://www.example.com'],
      ['content-encoding', 'gzip'],
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
    ],
  ];
  const finalTable: HeaderField[] = [
    ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
    ['content-encoding', 'gzip'],
    ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ];

  it('decodes the responses of C.5 (plain literals, a 256-octet table that evicts)', () => {
    const d = new HpackDecoder(256);
    const blocks = [
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    ];
    blocks.forEach((b, i) => expect(d.decode(hex(b)), `response ${i + 1}`).to.deep.equal(responses[i]));
    expect(d.table()).to.deep.equal(finalTable);
  });

  it('decodes the responses of C.6 (Huffman, the same evictions)', () => {
    const d = new HpackDecoder(256);
    const blocks = [
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ];
    blocks.forEach((b, i) => expect(d.decode(hex(b)), `response ${i + 1}`).to.deep.equal(responses[i]));
    expect(d.table()).to.deep.equal(finalTable);
  });

  it('decodes literals without indexing and never indexed (C.2.2, C.2.3) without touching the table', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('040c 2f73 616d 706c 652f 7061 7468'))).to.deep.equal([[':path', '/sample/path']]);
    expect(d.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).to.deep.equal([
      ['password', 'secret'],
    ]);
    expect(d.table()).to.deep.equal([]);
  });

  it('applies a table size update at the start of a block, and refuses one after a field or above the limit', () => {
    const d = new HpackDecoder(256);
    d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572')); // C.2.1
    expect(d.table()).to.have.length(1);
    expect(d.decode(hex('20 82'))).to.deep.equal([[':method', 'GET']]); // size 0 empties the table
    expect(d.table()).to.deep.equal([]);
    expect(() => d.decode(hex('82 20'))).to.throw(HpackError, /after a field/);
    expect(() => d.decode(hex('3fe201'))).to.throw(HpackError, /above the announced limit/); // 257
  });

  it('rejects bad Huffman strings: padding that is not EOS bits, too long, or an EOS inside', () => {
    expect(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff'))).to.equal('www.example.com');
    expect(() => huffmanDecode(hex('00'))).to.throw(HpackError, /padding/); // '0' then 3 zero bits
    expect(() => huffmanDecode(hex('1fff'))).to.throw(HpackError, /padding/); // 'a', then 11 one bits
    expect(() => huffmanDecode(hex('ffff ffff'))).to.throw(HpackError, /EOS/);
  });

  it('rejects indexes outside both tables and truncated input', () => {
    expect(() => new HpackDecoder().decode(hex('be'))).to.throw(HpackError, /invalid index 62/);
    expect(() => new HpackDecoder().decode(hex('80'))).to.throw(HpackError, /index 0/);
    expect(() => new HpackDecoder().decode(hex('0f'))).to.throw(HpackError, /truncated/);
    expect(() => new HpackDecoder().decode(hex('4005 6162'))).to.throw(HpackError, /truncated/);
  });

  it('encodes gRPC request headers that decode back exactly, leaving no table state', () => {
    const fields: HeaderField[] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/containerd.services.tasks.v1.Tasks/Create'],
      [':authority', 'localhost'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['grpc-timeout', '30000m'],
      ['containerd-namespace', 'default'],
      ['x-long', 'v'.repeat(300)], // a length beyond the 7-bit prefix
    ];
    const block = encodeHeaders(fields);
    expect(block[0]).to.equal(0x83); // :method POST, by its static index
    expect(block[1]).to.equal(0x86); // :scheme http
    const d = new HpackDecoder();
    expect(d.decode(block)).to.deep.equal(fields);
    expect(d.table()).to.deep.equal([]);
  });
});
