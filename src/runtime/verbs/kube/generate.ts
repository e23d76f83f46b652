/** `kube generate`: containers → Kubernetes YAML on stdout or into a file; what is not carried on stderr. */
import { writeFile } from 'node:fs/promises';
import type { RuntimeContext } from '../../context.js';
import { SystemError } from '../../errors.js';
import { findContainer } from '../../container/store.js';
import { inspectContainer } from '../../container/inspect.js';
import { generateKube, type InspectDoc } from '../../kube/generate.js';
import { toYaml } from '../../kube/yaml.js';
import { assertValid } from '../../kube/validate.js';

export interface KubeGenerateOptions {
  containers: string[];
  type: 'pod' | 'deployment';
  service: boolean;
  /** -f: write here instead of stdout. */
  file?: string;
  validate: boolean;
}

export async function kubeGenerate(ctx: RuntimeContext, opts: KubeGenerateOptions): Promise<void> {
  const docs: InspectDoc[] = [];
  for (const ref of opts.containers) {
    const found = await findContainer(ctx, ref);
    docs.push((await inspectContainer(ctx, found)) as unknown as InspectDoc);
  }
  const out = generateKube(docs, { type: opts.type, service: opts.service });
  if (opts.validate) {
    await assertValid(
      out.documents.map((d) => d.object),
      'generated YAML',
    );
  }
  for (const w of out.warnings) ctx.stdio.stderr.write(`WARNING: ${w}\n`);
  const text = toYaml(out.documents);
  if (!opts.file) {
    ctx.print(text);
    return;
  }
  try {
    await writeFile(opts.file, text);
  } catch (err) {
    throw new SystemError(`cannot write ${opts.file}: ${(err as Error).message}`);
  }
}
