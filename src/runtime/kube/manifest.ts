/** A Kubernetes manifest (one or more YAML documents) → its objects, checked against the API schemas. */
import yaml from 'js-yaml';
import { UsageError } from '../errors.js';
import type { KubeObject } from './objects.js';
import { assertValid } from './validate.js';

export async function parseManifest(text: string, source: string): Promise<KubeObject[]> {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message.split('\n')[0]}`);
  }
  const objects: KubeObject[] = [];
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    if (typeof d !== 'object' || Array.isArray(d))
      throw new UsageError(`${source}: a document is not a Kubernetes object`);
    const o = d as Partial<KubeObject>;
    if (o.kind === 'List' && Array.isArray((o as { items?: unknown }).items)) {
      objects.push(...((o as unknown as { items: KubeObject[] }).items ?? []));
      continue;
    }
    if (
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    ) {
      throw new UsageError(`${source}: every object needs apiVersion, kind and metadata.name`);
    }
    objects.push(o as KubeObject);
  }
  if (objects.length === 0) throw new UsageError(`${source}: no Kubernetes object in the file`);
  await assertValid(objects, source);
  return objects;
}
