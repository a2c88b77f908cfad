/**
 * OIDC JWTs in front of the real control plane: a JWKS served from this spec on 127.0.0.1, tokens
 * signed with its key, a groups claim mapped to roles; expired, forged, foreign-audience and
 * unmapped tokens are refused with 401.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createJwtVerifier } from '../../src/api-server/oidc.js';
import { ProblemSchema } from '../../src/api-server/schemas.js';
import { prepareCluster } from '../support/setup.js';
import { apiFixture, call, listen, type ApiFixture, type RunningApi } from './support.js';

describe('the onboarding API with OIDC tokens', function () {
  let fixture: ApiFixture;
  let jwks: Server;
  let api: RunningApi;
  let key: CryptoKey;
  let issuer: string;

  const sign = (claims: Record<string, unknown>, options: { key?: CryptoKey; audience?: string; expires?: string | Date } = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'test' }).setIssuer(issuer).setSubject('alice@example.com')
      .setAudience(options.audience ?? 'bulkhead-api').setIssuedAt().setExpirationTime(options.expires ?? '5m')
      .sign(options.key ?? key);

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test', alg: 'ES256', use: 'sig' };
    jwks = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    const jwt = createJwtVerifier({ issuer, audience: 'bulkhead-api', jwksUri: `${issuer}/jwks.json`, roleClaim: 'groups',
      roleMap: { 'sales-team': 'sales-ops', auditors: 'auditor' }, algorithms: ['ES256'] });
    api = await listen(fixture.deps({ auth: { tokens: fixture.tokens, jwt } }));
  });

  after(async function () {
    await api?.close();
    jwks?.closeAllConnections();
    jwks?.close();
    fixture?.client.close();
  });

  it('maps a group claim to a role', async function () {
    const token = await sign({ groups: ['staff', 'sales-team'] });
    assert.equal((await call(api, 'GET', '/v1/plans', { token })).status, 200);
    const auditorToken = await sign({ groups: 'auditors' });
    assert.equal((await call(api, 'GET', '/v1/tenants?limit=1', { token: auditorToken })).status, 200);
    const refused = await call(api, 'PATCH', '/v1/tenants/anyone', { token: auditorToken, body: { suspended: true } });
    assert.equal(refused.status, 403);
  });

  it('refuses expired, forged, foreign-audience and unmapped tokens', async function () {
    const other = (await generateKeyPair('ES256')).privateKey;
    const refusedTokens = [
      await sign({ groups: ['sales-team'] }, { expires: new Date(Date.now() - 60_000) }),
      await sign({ groups: ['sales-team'] }, { key: other }),
      await sign({ groups: ['sales-team'] }, { audience: 'another-api' }),
      await sign({ groups: ['staff'] }),
    ];
    for (const token of refusedTokens) {
      const reply = await call(api, 'GET', '/v1/plans', { token });
      assert.equal(reply.status, 401, token);
      ProblemSchema.parse(reply.body);
    }
  });
});
