/** What the kube modules share: the object shape, names Kubernetes accepts, tsdock's own labels. */

/** Any Kubernetes object: typed in full where it is built (kubernetes-models' interfaces). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** An object and the notes written above it as YAML comments. */
export interface KubeDocument {
  object: KubeObject;
  comments: string[];
}

/** The label a generated workload's pods carry and its Services select. */
export const APP_LABEL = 'app';

/** What a PersistentVolumeClaim asks for when nothing says otherwise. */
export const DEFAULT_PVC_SIZE = '1Gi';

/** A name → an RFC 1123 label: lower case, `-` for anything else, at most 63 characters. */
export function dnsLabel(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key Kubernetes accepts: `[prefix/]name`, the prefix a DNS subdomain. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return NAME_PART.test(name);
}

export const isLabelValue = (v: string): boolean => v === '' || NAME_PART.test(v);
