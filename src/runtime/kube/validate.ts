/**
 * Kubernetes objects checked against the API's OpenAPI schemas offline (kubernetes-models: the
 * schemas of the Kubernetes release it is generated from, with an ajv validator), for what tsdock
 * writes (`kube generate --validate`) and what it is given (`kube play`).
 */
import { UsageError } from '../errors.js';
import type { KubeObject } from './objects.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

/** The kinds tsdock writes or plays, each model loaded only when such an object is seen. */
const MODELS: Record<string, () => Promise<ModelClass>> = {
  'v1/Pod': async () => (await import('kubernetes-models/v1/Pod')).Pod as unknown as ModelClass,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service as unknown as ModelClass,
  'v1/ConfigMap': async () =>
    (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as unknown as ModelClass,
  'v1/Secret': async () => (await import('kubernetes-models/v1/Secret')).Secret as unknown as ModelClass,
  'v1/PersistentVolumeClaim': async () =>
    (await import('kubernetes-models/v1/PersistentVolumeClaim'))
      .PersistentVolumeClaim as unknown as ModelClass,
  'apps/v1/Deployment': async () =>
    (await import('kubernetes-models/apps/v1/Deployment')).Deployment as unknown as ModelClass,
};

export const supportedKinds = (): string[] => Object.keys(MODELS);

/** Every problem of every object, one line each (`Deployment web: /spec/replicas must be integer`); [] when valid. */
export async function validationErrors(objects: KubeObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const obj of objects) {
    const what = `${obj?.kind ?? '?'} ${obj?.metadata?.name ?? '?'}`;
    const load = MODELS[`${obj?.apiVersion}/${obj?.kind}`];
    if (!load) {
      out.push(`${what}: apiVersion ${obj?.apiVersion} kind ${obj?.kind} is not supported`);
      continue;
    }
    const Model = await load();
    try {
      new Model(obj).validate();
    } catch (err) {
      const errors = (err as { errors?: { instancePath: string; message?: string }[] }).errors;
      if (!errors) throw err;
      for (const e of errors) out.push(`${what}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    }
  }
  return out;
}

/** Throws one UsageError listing the first problems when any object is invalid. */
export async function assertValid(objects: KubeObject[], source: string): Promise<void> {
  const errors = await validationErrors(objects);
  if (errors.length === 0) return;
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
  throw new UsageError(`${source}: invalid Kubernetes object: ${errors.slice(0, 3).join('; ')}${more}`);
}
