// deploy/kubernetes: each overlay renders with kubectl kustomize, and every object it
// renders is valid against Kubernetes' own schemas (kubernetes-models, offline), with the
// properties docs/deploy.md promises. kubectl is required: the test fails without it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const DEPLOY = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

function render(dir: string): KubeObject[] {
  const text = execFileSync('kubectl', ['kustomize', join(DEPLOY, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
}

/** The kubernetes-models class of an object: core objects live under v1/, the others under <group>/<version>/. */
async function validate(object: KubeObject): Promise<void> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const module = group === 'monitoring.coreos.com'
    ? `@kubernetes-models/prometheus-operator/${group}/${version}/${object.kind}`
    : `kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`;
  const models = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[object.kind];
  assert.ok(Model, `${module} has no ${object.kind}`);
  new Model(object).validate();
}

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

type Container = { args: string[]; envFrom: { secretRef: { name: string } }[]; readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } } };
type PodSpec = { serviceAccountName: string; securityContext: { runAsNonRoot: boolean }; containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown }[] };
type DeploymentSpec = { replicas: number; strategy: { type: string }; template: { spec: PodSpec } };

function deployment(objects: KubeObject[]): DeploymentSpec {
  const [d] = byKind(objects, 'Deployment');
  assert.ok(d?.spec, 'one Deployment');
  return d.spec as unknown as DeploymentSpec;
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('kubectl is installed (.ci/run installs it)', () => {
    assert.match(execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' }), /Kustomize Version/);
  });

  for (const overlay of ['overlays/sqlite', 'overlays/postgresql', 'servicemonitor']) {
    it(`${overlay}: every object is valid against the Kubernetes schemas`, async () => {
      const objects = render(overlay);
      assert.ok(objects.length > 0);
      for (const o of objects) await validate(o);
    });
  }

  it('both overlays: probes on /ready and /health, non-root, the ServiceAccount, the credentials Secret, the scale Role where the workloads are', () => {
    for (const overlay of ['overlays/sqlite', 'overlays/postgresql']) {
      const objects = render(overlay);
      const pod = deployment(objects).template.spec;
      const [container] = pod.containers;
      assert.equal(container?.readinessProbe.httpGet.path, '/ready');
      assert.equal(container?.livenessProbe.httpGet.path, '/health');
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.serviceAccountName, 'alertwire');
      assert.ok(container?.envFrom.some((e) => e.secretRef.name === 'alertwire-credentials'));
      assert.deepEqual(byKind(objects, 'ServiceAccount').map((o) => o.metadata.name), ['alertwire']);
      assert.equal(byKind(objects, 'Role')[0]?.metadata.namespace, 'shop');
      assert.ok(byKind(objects, 'ConfigMap')[0], 'alertwire.yaml as a ConfigMap');
      assert.ok(byKind(objects, 'Service')[0]);
      for (const o of objects.filter((x) => x.kind !== 'Role' && x.kind !== 'RoleBinding' && x.kind !== 'Namespace')) assert.equal(o.metadata.namespace, 'alertwire', `${o.kind} ${o.metadata.name}`);
    }
  });

  it('sqlite: one replica, replaced not rolled, its data on a PersistentVolumeClaim', () => {
    const objects = render('overlays/sqlite');
    const d = deployment(objects);
    assert.equal(d.replicas, 1);
    assert.equal(d.strategy.type, 'Recreate');
    const data = d.template.spec.volumes.find((v) => v.name === 'data');
    assert.equal(data?.persistentVolumeClaim?.claimName, 'alertwire-data');
    assert.equal(data?.emptyDir, undefined);
    assert.equal(byKind(objects, 'PersistentVolumeClaim')[0]?.metadata.name, 'alertwire-data');
  });

  it('postgresql: two replicas, a PodDisruptionBudget, DATABASE_URL and REDIS_URL from a Secret', () => {
    const objects = render('overlays/postgresql');
    const d = deployment(objects);
    assert.equal(d.replicas, 2);
    assert.ok(byKind(objects, 'PodDisruptionBudget')[0]);
    const [container] = d.template.spec.containers;
    assert.deepEqual(container?.envFrom.map((e) => e.secretRef.name), ['alertwire-credentials', 'alertwire-database']);
    const secret = byKind(objects, 'Secret').find((s) => s.metadata.name === 'alertwire-database') as unknown as { stringData: Record<string, string> };
    assert.deepEqual(Object.keys(secret.stringData).sort(), ['DATABASE_URL', 'REDIS_URL']);
  });

  it('the container runs the image\'s server with the mounted configuration file', () => {
    const [container] = deployment(render('overlays/sqlite')).template.spec.containers;
    assert.deepEqual(container?.args.slice(-3), ['serve', '--config', '/etc/alertwire/alertwire.yaml']);
    assert.match(readFileSync(join(DEPLOY, 'base/configmap.yaml'), 'utf8'), /alertwire\.yaml: \|/);
  });
});
