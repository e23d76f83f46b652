import { expect } from 'chai';
import yaml from 'js-yaml';
import { composeToKube } from '../../src/runtime/kube/compose.js';
import { validationErrors } from '../../src/runtime/kube/validate.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A multi-service project as `compose config --format json` prints it (compose-spec canonical form). */
const MODEL = yaml.load(`
name: shop
services:
  web:
    image: nginx:1.27
    command: [nginx, -g, daemon off;]
    environment: { MODE: prod }
    ports: [{ mode: ingress, target: 80, published: "8080", protocol: tcp }]
    deploy: { replicas: 3, resources: { limits: { cpus: "0.5", memory: "268435456" }, reservations: { memory: 128M } } }
    depends_on: { api: { condition: service_healthy, required: true } }
    networks: { default: null }
  api:
    image: example/api:1
    env_file: [{ path: /proj/api.env, required: true }]
    environment: { FROM_FILE: one, OVERRIDDEN: by-environment, LOG_LEVEL: debug }
    expose: ["8080"]
    healthcheck: { test: [CMD, wget, -q, -O-, "http://localhost:8080/health"], interval: 10s, timeout: 2s, retries: 5, start_period: 15s }
    restart: always
    networks: { default: { aliases: [backend] } }
  db:
    image: postgres:16
    scale: 1
    volumes:
      - { type: volume, source: dbdata, target: /var/lib/postgresql/data }
      - { type: bind, source: /proj/init, target: /docker-entrypoint-initdb.d, read_only: true }
    mem_limit: 512m
    networks: { default: null }
  metrics:
    image: prom/node-exporter
    network_mode: host
    pid: host
networks: { default: { name: shop_default } }
volumes: { dbdata: { name: shop_dbdata } }
`) as Record<string, unknown>;

describe('kube: compose project → Kubernetes objects', () => {
  const out = composeToKube({
    model: MODEL,
    envFiles: { '/proj/api.env': { FROM_FILE: 'one', OVERRIDDEN: 'from-file' } },
  });
  const objects = out.documents.map((d) => d.object) as Obj[];
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  it('every service → a Deployment; ports and network names → Services; volumes → PVCs; env_file → a ConfigMap; all valid', async () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal([
      'ConfigMap/api-env',
      'PersistentVolumeClaim/dbdata',
      'Deployment/web',
      'Service/web',
      'Deployment/api',
      'Service/api',
      'Service/backend',
      'Deployment/db',
      'Deployment/metrics',
    ]);
    expect(await validationErrors(objects as never)).to.deep.equal([]);
  });
  it('replicas from deploy.replicas / scale; resources with the same conversion as containers', () => {
    const web = find('Deployment', 'web');
    expect(web.spec.replicas).to.equal(3);
    expect(web.spec.template.spec.containers[0].resources).to.deep.equal({
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { memory: '128Mi' },
    });
    expect(web.spec.template.spec.containers[0].command).to.deep.equal(['nginx', '-g', 'daemon off;']);
    expect(find('Deployment', 'db').spec.replicas).to.equal(1);
    expect(find('Deployment', 'db').spec.template.spec.containers[0].resources).to.deep.equal({
      limits: { memory: '512Mi' },
    });
    expect(find('Service', 'web').spec.ports).to.deep.equal([
      { name: 'tcp-8080', port: 8080, targetPort: 80, protocol: 'TCP' },
    ]);
  });
  it('env_file → ConfigMap taken with envFrom; what environment overrides stays in env', () => {
    expect(find('ConfigMap', 'api-env').data).to.deep.equal({ FROM_FILE: 'one' });
    const c = find('Deployment', 'api').spec.template.spec.containers[0];
    expect(c.envFrom).to.deep.equal([{ configMapRef: { name: 'api-env' } }]);
    expect(c.env).to.deep.equal([
      { name: 'OVERRIDDEN', value: 'by-environment' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
  });
  it('depends_on service_healthy → the dependency gets its healthcheck as readinessProbe', () => {
    const c = find('Deployment', 'api').spec.template.spec.containers[0];
    const probe = {
      exec: { command: ['wget', '-q', '-O-', 'http://localhost:8080/health'] },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 5,
      initialDelaySeconds: 15,
    };
    expect(c.livenessProbe).to.deep.equal(probe);
    expect(c.readinessProbe).to.deep.equal(probe);
    expect(find('Service', 'backend').spec).to.deep.equal({
      selector: { app: 'api' },
      ports: [{ name: 'tcp-8080', port: 8080, targetPort: 8080, protocol: 'TCP' }],
    });
  });
  it('volumes: PVC per top-level volume (1Gi), binds as hostPath with their comment', () => {
    const spec = find('Deployment', 'db').spec.template.spec;
    expect(spec.volumes).to.deep.equal([
      { name: 'dbdata', persistentVolumeClaim: { claimName: 'dbdata' } },
      { name: 'init', hostPath: { path: '/proj/init' } },
    ]);
    expect(find('PersistentVolumeClaim', 'dbdata').spec.resources.requests.storage).to.equal('1Gi');
    const dbDoc = out.documents.find((d) => d.object.metadata.name === 'db')!;
    expect(dbDoc.comments).to.include(
      'hostPath /proj/init: a cluster node will not have this path unless you put it there',
    );
  });
  it('network_mode host is carried as hostNetwork; what cannot be carried is reported', () => {
    expect(find('Deployment', 'metrics').spec.template.spec.hostNetwork).to.equal(true);
    expect(out.warnings).to.include('metrics: pid is not carried');
    expect(out.warnings).to.include(
      "web: --restart no: a Deployment's pods always restart (restartPolicy Always)",
    );
  });
});
