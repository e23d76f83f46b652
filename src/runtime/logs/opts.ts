/** `--log-opt` for the json-file driver, validated with the daemon's messages. */
import { UsageError } from '../errors.js';
import { fromHumanSize } from '../format/units.js';

export interface LogOpts {
  maxSize?: number;
  maxFile?: number;
}

/** What json-file's ValidateLogOpt accepts, plus the options every driver takes. */
const KNOWN = new Set([
  'max-file',
  'max-size',
  'compress',
  'labels',
  'labels-regex',
  'env',
  'env-regex',
  'tag',
  'mode',
  'max-buffer-size',
]);

/**
 * `key=value` strings (a bare `key` means an empty value, like the CLI's ConvertKVStringsToMap);
 * the last one of a key wins. Only max-size/max-file change what tsdock-mon does.
 */
export function parseLogOpts(opts: string[]): LogOpts {
  const cfg = new Map<string, string>();
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    cfg.set(eq < 0 ? opt : opt.slice(0, eq), eq < 0 ? '' : opt.slice(eq + 1));
  }
  for (const key of cfg.keys()) {
    if (!KNOWN.has(key)) throw new UsageError(`unknown log opt '${key}' for json-file log driver`);
  }
  const mode = cfg.get('mode');
  if (mode !== undefined && mode !== '' && mode !== 'blocking' && mode !== 'non-blocking') {
    throw new UsageError(`logger: logging mode not supported: ${mode}`);
  }
  // Docker checks values only when the driver starts; the messages keep its wording.
  const fail = (msg: string): never => {
    throw new UsageError(`failed to initialize logging driver: ${msg}`);
  };
  const out: LogOpts = {};
  const size = cfg.get('max-size');
  if (size !== undefined) {
    let n = 0;
    try {
      n = fromHumanSize(size); // Docker uses decimal multiples here: 10m is 10,000,000 bytes
    } catch (err) {
      fail((err as Error).message);
    }
    if (!(n > 0)) fail('max-size must be a positive number');
    out.maxSize = n;
  }
  const files = cfg.get('max-file');
  if (files !== undefined) {
    if (!/^[+-]?\d+$/.test(files)) fail(`strconv.Atoi: parsing "${files}": invalid syntax`);
    const big = BigInt(files);
    if (big > 2n ** 63n - 1n || big < -(2n ** 63n))
      fail(`strconv.Atoi: parsing "${files}": value out of range`);
    if (big < 1n) fail('max-file cannot be less than 1');
    // Beyond 2^53 a number no longer counts files exactly; tsdock-mon keeps what exists anyway.
    out.maxFile = Number(big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : big);
  }
  const compress = cfg.get('compress');
  if (compress !== undefined) {
    const b = /^(1|t|T|TRUE|true|True)$/.test(compress)
      ? true
      : /^(0|f|F|FALSE|false|False)$/.test(compress)
        ? false
        : fail(`strconv.ParseBool: parsing "${compress}": invalid syntax`);
    // tsdock-mon does not gzip rotated files; refuse rather than silently ignore.
    if (b) {
      if ((out.maxFile ?? 1) === 1 || out.maxSize === undefined) {
        fail('compress cannot be true when max-file is less than 2 or max-size is not set');
      }
      throw new UsageError('log opt compress=true is not supported by tsdock');
    }
  }
  return out;
}
