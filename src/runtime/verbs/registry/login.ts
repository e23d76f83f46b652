/** `login`: credentials checked against the registry, then stored (registry/login.ts). */
import type { RuntimeContext } from '../../context.js';
import { closeAgents } from '../../http/request.js';
import type { LoginOptions } from '../../registry/login.js';

export async function loginCommand(ctx: RuntimeContext, opts: LoginOptions): Promise<void> {
  const { login } = await import('../../registry/login.js');
  try {
    await login(ctx, opts);
  } finally {
    closeAgents();
  }
}
