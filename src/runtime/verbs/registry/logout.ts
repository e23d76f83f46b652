/** `logout`: the stored credentials of a registry removed. */
import type { RuntimeContext } from '../../context.js';

export async function logoutCommand(ctx: RuntimeContext, server?: string): Promise<void> {
  const { logout } = await import('../../registry/login.js');
  await logout(ctx, server);
}
