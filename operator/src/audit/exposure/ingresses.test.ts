import assert from 'node:assert/strict';
import { ingressChecks } from './ingresses.js';
import type { ListedObject, Listing, TenantExposure } from './model.js';
import { hostClaims, hostsOverlap, indexHostClaims, sharedHostsCheck } from './shared-hosts.js';

const acme: TenantExposure = {
  name: 'acme',
  uid: 'u-acme',
  namespace: 'tenant-acme',
  domains: ['acme.tenants.test', 'acme.example'],
  allowExternalNames: false,
};
const globex: TenantExposure = {
  name: 'globex',
  uid: 'u-globex',
  namespace: 'tenant-globex',
  domains: ['globex.tenants.test'],
  allowExternalNames: false,
};

const backend = { service: { name: 'web', port: { number: 8080 } } };
const ingress = (
  name: string,
  spec: Record<string, unknown>,
  options: { namespace?: string; annotations?: Record<string, string> } = {},
): ListedObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: options.namespace ?? 'tenant-acme', ...(options.annotations ? { annotations: options.annotations } : {}) },
  spec,
});
const rule = (host?: string) => ({ ...(host ? { host } : {}), http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } });
const route = (name: string, hostnames?: string[], namespace = 'tenant-acme'): ListedObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace },
  spec: { ...(hostnames ? { hostnames } : {}), rules: [] },
});
const listed = (...items: ListedObject[]): Listing => ({ items, served: true });
const none: Listing = { items: [], served: false };
const check = (checks: ReturnType<typeof ingressChecks>, id: string) => {
  const found = checks.find((c) => c.id === id);
  assert.ok(found, id);
  return found;
};

describe('the Ingress and HTTPRoute exposure checks', () => {
  it("pass hosts under the tenant's domains, derived and declared, with subdomains and wildcards under them", () => {
    const own = ingress('own', {
      rules: [rule('acme.tenants.test'), rule('shop.acme.example'), rule('*.acme.example')],
      tls: [{ hosts: ['acme.example'] }],
    });
    const checks = ingressChecks(acme, listed(own), listed(route('own', ['www.acme.example'])));
    assert.deepEqual(
      checks.filter((c) => c.result !== 'pass'),
      [],
    );
    assert.deepEqual(
      checks.map((c) => c.id),
      ['network.ingress-hosts', 'network.ingress-catch-all', 'network.ingress-configuration', 'network.route-hostnames'],
    );
  });

  it("find a host outside the tenant's domains in rules and in tls, naming the field", () => {
    const steal = ingress('steal', { rules: [rule('acme.tenants.test')], tls: [{ hosts: ['acme.tenants.test', 'globex.tenants.test'] }] });
    const found = check(ingressChecks(acme, listed(steal), none), 'network.ingress-hosts');
    assert.equal(found.reason, 'HostOutsideTenantDomains');
    assert.equal(
      found.message,
      "Ingress tenant-acme/steal: spec.tls[0].hosts[1] globex.tenants.test is not under the tenant's domains (bulkhead.dev/ingress-host-in-tenant-domains)",
    );
    const wildcard = check(
      ingressChecks(acme, listed(ingress('wild', { rules: [rule('*.tenants.test')] })), none),
      'network.ingress-hosts',
    );
    assert.equal(wildcard.result, 'fail', "a wildcard over every tenant is not under one tenant's domain");
  });

  it('find a rule without a host and a default backend', () => {
    const found = check(
      ingressChecks(acme, listed(ingress('catch-all', { rules: [rule()] }), ingress('fallback', { defaultBackend: backend })), none),
      'network.ingress-catch-all',
    );
    assert.equal(found.reason, 'IngressRuleWithoutHost');
    assert.match(
      found.message,
      /Ingress tenant-acme\/catch-all: spec\.rules\[0\] has no host \(bulkhead\.dev\/ingress-host-required\); Ingress tenant-acme\/fallback: spec\.defaultBackend is set \(bulkhead\.dev\/no-default-backend\)/,
    );
  });

  it('find controller configuration annotations', () => {
    const annotated = ingress(
      'snippet',
      { rules: [rule('acme.example')] },
      {
        annotations: {
          'nginx.ingress.kubernetes.io/server-snippet': 'x',
          'nginx.ingress.kubernetes.io/server-alias': 'globex.tenants.test',
          'nginx.ingress.kubernetes.io/rewrite-target': '/',
        },
      },
    );
    const found = check(ingressChecks(acme, listed(annotated), none), 'network.ingress-configuration');
    assert.equal(found.reason, 'ControllerConfiguration');
    assert.equal((found.evidence as { findings: number }).findings, 2, 'rewrite-target is not controller configuration');
  });

  it("find an HTTPRoute without hostnames or for another tenant's host, and pass when the cluster serves no routes", () => {
    const found = check(
      ingressChecks(acme, none, listed(route('every-host'), route('steal', ['globex.tenants.test']))),
      'network.route-hostnames',
    );
    assert.equal(found.reason, 'RouteWithoutHostnames');
    assert.match(
      found.message,
      /HTTPRoute tenant-acme\/steal: hostname globex\.tenants\.test .*\(bulkhead\.dev\/route-hostnames-in-tenant-domains\)/,
    );
    const unserved = check(ingressChecks(acme, none, none), 'network.route-hostnames');
    assert.equal(unserved.result, 'pass');
    assert.equal((unserved.evidence as { served: boolean }).served, false);
  });

  it('are errors when Ingresses or routes could not be listed', () => {
    const checks = ingressChecks(acme, { error: 'cannot list Ingress' }, { error: 'cannot list HTTPRoute' });
    assert.deepEqual(
      checks.map((c) => c.result),
      ['error', 'error', 'error', 'error'],
    );
  });
});

describe('hosts shared between tenants', () => {
  it('overlap when equal (case and trailing dot aside) or when a wildcard covers the other', () => {
    assert.equal(hostsOverlap('Shop.Example.', 'shop.example'), true);
    assert.equal(hostsOverlap('*.example', 'shop.example'), true);
    assert.equal(hostsOverlap('a.b.example', '*.example'), true, 'a wildcard read as a suffix, as Gateway API reads it');
    assert.equal(hostsOverlap('*.b.example', '*.example'), true);
    assert.equal(hostsOverlap('*.example', 'example'), false, 'a wildcard does not cover its own apex');
    assert.equal(hostsOverlap('shop.example', 'shop.example.org'), false);
  });

  it("are found for both tenants, naming each side's object, through Ingresses and routes alike", () => {
    const ingresses = listed(
      ingress('own', { rules: [rule('globex.tenants.test')] }),
      ingress('own', { rules: [rule('globex.tenants.test')] }, { namespace: 'tenant-globex' }),
    );
    const routes = listed(route('api', ['*.acme.example']), route('api', ['v1.acme.example'], 'tenant-globex'));
    const claims = hostClaims([acme, globex], ingresses, routes);
    const forAcme = sharedHostsCheck(acme, claims, [ingresses, routes]);
    assert.equal(forAcme.reason, 'HostServedByAnotherTenant');
    assert.match(
      forAcme.message,
      /Ingress tenant-acme\/own: spec\.rules\[0\]\.host globex\.tenants\.test is also served by tenant globex \(Ingress tenant-globex\/own spec\.rules\[0\]\.host globex\.tenants\.test\)/,
    );
    assert.equal((forAcme.evidence as { findings: number }).findings, 2);
    const forGlobex = sharedHostsCheck(globex, claims, [ingresses, routes]);
    assert.match(forGlobex.message, /HTTPRoute tenant-globex\/api: spec\.hostnames\[0\] v1\.acme\.example is also served by tenant acme/);
  });

  // No index outlives the call that made it: a claim added between two calls is judged (decision
  // 0063); the claims the audit indexed once are judged as they were gathered.
  it('are judged from the claims of each call, though the caller added one in between', () => {
    const ingresses = listed(
      ingress('own', { rules: [rule('acme.example')] }),
      ingress('own', { rules: [rule('globex.tenants.test')] }, { namespace: 'tenant-globex' }),
    );
    const claims = hostClaims([acme, globex], ingresses, none);
    const indexed = indexHostClaims(claims);
    assert.equal(sharedHostsCheck(acme, claims, [ingresses, none]).result, 'pass');
    claims.push({ tenant: 'globex', host: '*.example', object: 'HTTPRoute tenant-globex/wide', field: 'spec.hostnames[0]' });
    assert.equal(sharedHostsCheck(acme, claims, [ingresses, none]).reason, 'HostServedByAnotherTenant');
    assert.equal(sharedHostsCheck(acme, indexed, [ingresses, none]).result, 'pass');
  });

  it("pass when every host is one tenant's alone", () => {
    const ingresses = listed(
      ingress('own', { rules: [rule('acme.example')] }),
      ingress('own', { rules: [rule('globex.tenants.test')] }, { namespace: 'tenant-globex' }),
    );
    assert.equal(sharedHostsCheck(acme, hostClaims([acme, globex], ingresses, none), [ingresses, none]).result, 'pass');
  });
});
