// The sample product: the stand-in for the SaaS every tenant runs. It is small on purpose, but its
// readiness is real: /readyz answers 200 only after it has logged in to its own database with the
// credentials in DATABASE_URL and made a KMS Encrypt/Decrypt round trip with its own key under its
// tenant's encryption context. So a tenant's AppDeployed means its app really reached both.
//
// Environment: DATABASE_URL (the tenant's Secret), KMS_KEY_ID, KMS_REGION, KMS_ENDPOINT (optional,
// an emulator or VPC endpoint), TENANT (for the encryption context), PORT (default 8080).
import { createServer } from 'node:http';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import pg from 'pg';

const port = Number(process.env.PORT ?? 8080);
const tenant = process.env.TENANT ?? '';
const checkIntervalMs = Number(process.env.CHECK_INTERVAL_MS ?? 10_000);

function kmsClient() {
  const endpoint = process.env.KMS_ENDPOINT || undefined;
  // An emulator checks no signature; real KMS gets the workload's own credentials (its identity).
  const credentials = endpoint && !process.env.AWS_ACCESS_KEY_ID ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;
  return new KMSClient({ region: process.env.KMS_REGION, endpoint, credentials, maxAttempts: 2 });
}

async function databaseCheck() {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query('select current_database() as database, current_user as role');
    return rows[0];
  } finally {
    await client.end();
  }
}

async function keyCheck(kms) {
  const context = { tenant };
  const plaintext = Buffer.from(`readiness ${Date.now()}`);
  const sealed = await kms.send(new EncryptCommand({ KeyId: process.env.KMS_KEY_ID, Plaintext: plaintext, EncryptionContext: context }));
  const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }));
  if (!Buffer.from(opened.Plaintext ?? []).equals(plaintext)) throw new Error('the KMS round trip returned other bytes');
  return { keyId: opened.KeyId };
}

/** The latest result of both checks; /readyz reports it. */
const state = { ready: false, checkedAt: null, database: null, key: null, error: 'not checked yet' };

async function check(kms) {
  try {
    const [database, key] = await Promise.all([databaseCheck(), keyCheck(kms)]);
    Object.assign(state, { ready: true, database, key, error: null });
  } catch (error) {
    // The message only: never the connection string, which holds the password.
    Object.assign(state, { ready: false, error: String(error?.message ?? error).replace(/postgres(ql)?:\/\/\S+/g, '(database url)') });
  }
  state.checkedAt = new Date().toISOString();
}

function serve() {
  return createServer((request, response) => {
    const send = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/healthz') return send(200, { status: 'ok' });
    if (request.url === '/readyz') return send(state.ready ? 200 : 503, state);
    if (request.url === '/') return send(200, { tenant, ready: state.ready });
    return send(404, { error: 'not found' });
  }).listen(port, () => console.log(JSON.stringify({ message: 'Serving', port, tenant })));
}

const kms = kmsClient();
serve();
await check(kms);
setInterval(() => void check(kms), checkIntervalMs);
