/** Documents → one multi-document YAML stream, each object preceded by its notes as comments. */
import yaml from 'js-yaml';
import type { KubeDocument } from './objects.js';

export function toYaml(docs: KubeDocument[]): string {
  return docs
    .map((d) => {
      const notes = d.comments.map((c) => `# ${c}\n`).join('');
      return `---\n${notes}${yaml.dump(d.object, { noRefs: true, lineWidth: -1 })}`;
    })
    .join('');
}
