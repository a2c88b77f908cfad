/** The recipient key rule, in zod (exact) and in the CRD's CEL (its approximation), on the same keys. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { exportRecipientKeyProblem } from './export-recipient.js';
import { TenantSpecSchema, tenantRuleMessages } from './tenant.js';

const rsaPublic = (bits: number): string =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

const spec = {
  displayName: 'Acme',
  plan: 'standard',
  region: 'eu-central-1',
  owners: [{ kind: 'Group', name: 'acme-admins' }],
};

/** The regular expression of the CRD's CEL rule on recipientPublicKey (RE2 and JavaScript agree on this one). */
function crdPattern(): RegExp {
  const text = readFileSync(fileURLToPath(new URL('../../../crds/bulkhead.dev_tenants.yaml', import.meta.url)), 'utf8');
  const crd = parse(text) as { spec: { versions: { schema: { openAPIV3Schema: unknown } }[] } };
  const root = crd.spec.versions[0]!.schema.openAPIV3Schema as { properties: Record<string, { properties: Record<string, unknown> }> };
  const database = root.properties.spec!.properties.database as { properties: { export: { properties: Record<string, unknown> } } };
  const field = database.properties.export.properties.recipientPublicKey as { 'x-kubernetes-validations': { rule: string }[] };
  const rule = field['x-kubernetes-validations'][0]!.rule;
  const literal = /^self\.matches\('(.*)'\)$/.exec(rule)?.[1];
  assert.ok(literal, rule);
  return new RegExp(literal.replaceAll('\\\\', '\\'));
}

describe('the export recipient key (spec.database.export.recipientPublicKey)', function () {
  this.timeout(60_000);
  const rsa3072 = rsaPublic(3072);
  const rsa4096 = rsaPublic(4096);
  const rsa2048 = rsaPublic(2048);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const rsaPrivate = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('accepts RSA public keys of 3072 bits and more', () => {
    assert.equal(exportRecipientKeyProblem(rsa3072), undefined);
    assert.equal(exportRecipientKeyProblem(rsa4096), undefined);
  });

  it('refuses a shorter RSA key, another algorithm, a private key and text that is no key, saying why', () => {
    assert.equal(exportRecipientKeyProblem(rsa2048), 'it has 2048 bits, fewer than 3072');
    assert.equal(exportRecipientKeyProblem(ec), 'it is an ec key, not RSA');
    assert.equal(exportRecipientKeyProblem(rsaPrivate), 'it is not one PEM block of type PUBLIC KEY');
    assert.equal(exportRecipientKeyProblem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), 'it is not a PEM public key');
  });

  it('refuses Export without a recipient, and a bad key, with the CRD rule messages naming the field', () => {
    const without = TenantSpecSchema.safeParse({ ...spec, database: { deletionPolicy: 'Export' } });
    assert.equal(without.success, false);
    assert.deepEqual(
      without.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['database.export.recipientPublicKey', tenantRuleMessages.exportRecipientRequired]],
    );
    const short = TenantSpecSchema.safeParse({ ...spec, database: { deletionPolicy: 'Export', export: { recipientPublicKey: rsa2048 } } });
    assert.deepEqual(
      short.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['database.export.recipientPublicKey', tenantRuleMessages.exportRecipientKey]],
    );
    const valid = TenantSpecSchema.parse({ ...spec, database: { deletionPolicy: 'Export', export: { recipientPublicKey: rsa3072 } } });
    assert.equal(valid.database.export?.recipientPublicKey, rsa3072);
  });

  it("the CRD's CEL pattern admits RSA 3072 and 4096 and refuses RSA 2048, EC and private keys", () => {
    const pattern = crdPattern();
    assert.ok(pattern.test(rsa3072));
    assert.ok(pattern.test(rsa4096));
    assert.ok(!pattern.test(rsa2048));
    assert.ok(!pattern.test(ec));
    assert.ok(!pattern.test(rsaPrivate));
  });
});
