/** `port`: a running container's published ports, or where one private port is published. */
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { findContainer } from '../../container/store.js';
import { readEndpoint } from '../../network/endpoint.js';
import { portLines } from '../../network/ports.js';

export async function portCommand(ctx: RuntimeContext, ref: string, port?: string): Promise<void> {
  const found = await findContainer(ctx, ref);
  const [ep, state] = await Promise.all([readEndpoint(ctx, found.id), found.files.readState()]);
  const running = state.status === 'running' || state.status === 'paused';
  if (port !== undefined) {
    const num = port.split('/')[0]!;
    if (!/^\d+$/.test(num) || Number(num) > 65535) {
      throw new RequestError(
        `Error: invalid port (${num}): strconv.ParseUint: parsing "${num}": invalid syntax`,
      );
    }
  }
  const lines = portLines(running ? (ep?.ports ?? []) : [], port);
  if (lines === null) throw new RequestError(`Error: No public port '${port}' published for ${ref}`);
  if (lines.length > 0) ctx.stdio.stdout.write(lines.join('\n') + '\n');
}
