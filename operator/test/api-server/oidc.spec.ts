/**
 * OIDC JWTs in front of the real control plane: a JWKS served from this spec on 127.0.0.1, tokens
 * signed with its key, a groups claim mapped to roles; expired, forged, foreign-audience and
 * unmapped tokens are refused with 401, a token without exp with a 401 naming that rule; a caller
 * in several mapped groups gets the least privileged of their roles, whatever the order.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createJwtVerifier } from '../../src/api-server/oidc.js';
import { ProblemSchema } from '../../src/api-server/schemas.js';
import { prepareCluster } from '../support/setup.js';
import { apiFixture, call, listen, type ApiFixture, type Reply, type RunningApi } from './support.js';

const roleMap = { 'platform-admins': 'platform-admin', 'sales-team': 'sales-ops', auditors: 'auditor' } as const;

describe('the onboarding API with OIDC tokens', function () {
  let fixture: ApiFixture;
  let jwks: Server;
  let api: RunningApi;
  /** The same API with the role map in the opposite order. */
  let reversedApi: RunningApi;
  let key: CryptoKey;
  let issuer: string;

  /** `expires: null` leaves exp out. */
  const sign = (claims: Record<string, unknown>, options: { key?: CryptoKey; audience?: string; expires?: string | Date | null } = {}) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'test' })
      .setIssuer(issuer)
      .setSubject('alice@example.com')
      .setAudience(options.audience ?? 'bulkhead-api')
      .setIssuedAt();
    return (options.expires === null ? jwt : jwt.setExpirationTime(options.expires ?? '5m')).sign(options.key ?? key);
  };

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
    const verifier = (map: Record<string, 'platform-admin' | 'sales-ops' | 'auditor'>) =>
      createJwtVerifier({
        issuer,
        audience: 'bulkhead-api',
        jwksUri: `${issuer}/jwks.json`,
        roleClaim: 'groups',
        roleMap: map,
        algorithms: ['ES256'],
      });
    api = await listen(fixture.deps({ auth: { tokens: fixture.tokens, jwt: verifier(roleMap) } }));
    reversedApi = await listen(
      fixture.deps({ auth: { tokens: fixture.tokens, jwt: verifier(Object.fromEntries(Object.entries(roleMap).reverse())) } }),
    );
  });

  after(async function () {
    await api?.close();
    await reversedApi?.close();
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

  it('refuses a genuine token without exp with a 401 naming the rule, and a forged one without saying why', async function () {
    const reply = await call(api, 'GET', '/v1/plans', { token: await sign({ groups: ['sales-team'] }, { expires: null }) });
    assert.equal(reply.status, 401);
    const problem = ProblemSchema.parse(reply.body);
    assert.deepEqual(problem.errors, [{ field: 'Authorization', rule: 'expRequired' }]);
    assert.match(problem.detail, /no exp \(expiry\) claim; tokens that never expire are refused/);
    assert.match(reply.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

    const forged = await call(api, 'GET', '/v1/plans', {
      token: await sign({ groups: ['sales-team'] }, { expires: null, key: (await generateKeyPair('ES256')).privateKey }),
    });
    assert.equal(forged.status, 401);
    assert.deepEqual(ProblemSchema.parse(forged.body).errors, [{ field: 'Authorization', rule: 'validBearerToken' }]);
  });

  it('gives a caller in several mapped groups the least privileged role, whatever the order of groups or map', async function () {
    // PATCH tells sales ops (404: may, but no such tenant) from auditors (403); DELETE tells platform admins (404) from sales ops (403).
    const patch = (target: RunningApi, token: string) => call(target, 'PATCH', '/v1/tenants/nobody', { token, body: { suspended: true } });
    const remove = (target: RunningApi, token: string) =>
      call(target, 'DELETE', '/v1/tenants/nobody?confirmDeletionPolicy=Retain', { token });
    const role = (reply: Reply) =>
      reply.status === 403 ? /The role ([a-z-]+) may not/.exec(ProblemSchema.parse(reply.body).detail)?.[1] : 'allowed';
    for (const target of [api, reversedApi]) {
      assert.equal((await remove(target, await sign({ groups: ['platform-admins'] }))).status, 404, 'a platform admin alone may delete');
      for (const groups of [
        ['platform-admins', 'sales-team'],
        ['sales-team', 'platform-admins'],
      ]) {
        const token = await sign({ groups });
        assert.equal((await patch(target, token)).status, 404, `${groups.join()}: may change`);
        assert.equal(role(await remove(target, token)), 'sales-ops', `${groups.join()}: may not delete`);
      }
      for (const groups of [
        ['sales-team', 'auditors', 'platform-admins'],
        ['platform-admins', 'auditors', 'sales-team'],
      ]) {
        assert.equal(role(await patch(target, await sign({ groups }))), 'auditor', groups.join());
      }
    }
  });
});
