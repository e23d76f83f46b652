/** Where tsdock keeps state for one containerd namespace under the data root. */
import { join } from 'node:path';

export class StatePaths {
  constructor(readonly root: string /* <data-root>/<namespace> */) {}
  get containers(): string {
    return join(this.root, 'containers');
  }
  container(id: string): string {
    return join(this.root, 'containers', id);
  }
  get names(): string {
    return join(this.root, 'names');
  }
  get locks(): string {
    return join(this.root, 'locks');
  }
  /** Volumes of the local driver, laid out as Docker's: `<name>/_data` (volumes/store.ts). */
  get volumes(): string {
    return join(this.root, 'volumes');
  }
  /** The event journal (events/journal.ts). */
  get events(): string {
    return join(this.root, 'events');
  }
}
