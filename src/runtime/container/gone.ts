/**
 * tsdock's records are a cache of what containerd has: a record whose container another client
 * deleted (`ctr t rm` then `ctr c rm`) is dropped, and everything it held is released — its monitor,
 * the network (address, ports, iptables rules, veth, namespace), the snapshot, the name. Under the container's lock, and in an order a crash
 * can resume from: the directory, which says there is something left to do, goes last.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeContext } from '../context.js';
import { CorruptRecordError, NotFoundError } from '../errors.js';
import { recordEvent } from '../events/record.js';
import { rmNow, sameProcess } from '../state/files.js';
import { withLock } from '../state/lock.js';
import { ContainerFiles, type ContainerRecord } from '../state/records.js';
import { releaseNetwork } from './exit.js';
import { CREATING_FILE } from './repair.js';
import { nameStore, salvagedRecord, statePaths } from './store.js';

/**
 * Drops the record of container `id` if containerd no longer has the container; true if it did.
 * A record being created, or whose container exists, is left alone.
 */
export async function forgetGone(ctx: RuntimeContext, id: string): Promise<boolean> {
  const files = new ContainerFiles(statePaths(ctx).container(id));
  // The record is written once the container exists in containerd (create's last step): without
  // it there is nothing to drop, and locking would make the directory again.
  if (!existsSync(files.recordPath) || existsSync(join(files.dir, CREATING_FILE))) return false;
  const client = await ctx.client();
  return withLock(files.dir, async () => {
    // Another command dropped or removed it while this one waited for the lock (and the lock made
    // the directory again): what is left of it goes.
    if (!existsSync(files.recordPath)) {
      await rmNow(files.dir, { recursive: true, force: true });
      return false;
    }
    try {
      await client.containers.get(id);
      return false;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    let record: ContainerRecord;
    try {
      record = files.readRecordSync() ?? salvagedRecord(ctx, id, '', files);
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      record = salvagedRecord(ctx, id, '', files);
    }
    const state = files.readStateOrDead();
    if (
      state.monitorPid &&
      state.monitorPid !== process.pid &&
      sameProcess(state.monitorPid, state.monitorStart)
    ) {
      try {
        process.kill(state.monitorPid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    await releaseNetwork(ctx, { id, record });
    await client.snapshots.remove(id).catch(() => undefined);
    await recordEvent(ctx, record, 'destroy');
    if (record.name) await nameStore(ctx, client).release(record.name, id);
    await rmNow(files.dir, { recursive: true, force: true });
    return true;
  });
}
