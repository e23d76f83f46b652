export {
  buildSpec,
  serializeSpec,
  processEnv,
  defaultDeviceRules,
  DEFAULT_PATH,
  OCI_VERSION,
} from './build.js';
export type { SpecInput } from './build.js';
export type * from './types.js';
