/** `network connect`: recorded for every later start, and set up now if the container runs. */
import type { RuntimeContext } from '../../context.js';
import { ConflictError, RequestError } from '../../errors.js';
import { findContainer } from '../../container/store.js';
import { isIPv4 } from '../../network/addr.js';
import { connectExtra } from '../../network/container.js';
import { NetworkStore } from '../../network/networks.js';
import { validateAlias } from '../../opts/names.js';
import { withLock } from '../../state/lock.js';

export interface ConnectOptions {
  aliases: string[];
  ip?: string;
}

const cannotJoin = () =>
  new ConflictError(
    'Error response from daemon: container sharing network namespace with another container or host cannot be connected to any other network',
  );

export async function networkConnect(
  ctx: RuntimeContext,
  netRef: string,
  ctrRef: string,
  o: ConnectOptions,
): Promise<void> {
  for (const a of o.aliases) validateAlias(a, 'alias');
  const found = await findContainer(ctx, ctrRef);
  const net = await new NetworkStore(ctx).find(netRef);
  if (!found.record.netns || net.Driver !== 'bridge') throw cannotJoin();
  if (o.ip && !isIPv4(o.ip)) throw new RequestError(`invalid IPv4 address: ${o.ip}`);
  if (o.ip && net.Name === 'bridge') {
    throw new RequestError(
      'Error response from daemon: user specified IP address is supported on user defined networks only',
    );
  }
  const entry = { name: net.Name, aliases: o.aliases, ...(o.ip ? { ip: o.ip } : {}) };
  const record = await withLock(found.files.dir, async () => {
    const r = (await found.files.readRecord()) ?? found.record;
    const extras = r.extraNetworks ?? [];
    if (r.networkMode === net.Name || extras.some((e) => e.name === net.Name)) {
      throw new ConflictError(
        `Error response from daemon: endpoint with name ${r.name} already exists in network ${net.Name}`,
      );
    }
    r.extraNetworks = [...extras, entry];
    await found.files.writeRecord(r);
    return r;
  });
  const state = await found.files.readState();
  if (state.status !== 'running' && state.status !== 'paused') return;
  try {
    await connectExtra(ctx, { id: found.id, dir: found.files.dir, record }, entry);
  } catch (err) {
    await withLock(found.files.dir, async () => {
      const r = (await found.files.readRecord()) ?? record;
      r.extraNetworks = (r.extraNetworks ?? []).filter((e) => e.name !== net.Name);
      await found.files.writeRecord(r);
    });
    throw err;
  }
}
