import assert from 'node:assert/strict';
import express, { type RequestHandler } from 'express';
import { createLogger } from '../../runtime/logging.js';
import { createApp } from '../app.js';
import type { TenantStore } from '../tenant-store.js';
import type { RestoreStore } from '../restore-store.js';
import type { TokenStore } from '../token-store.js';
import { assertChangesRecorded, unrecordedRoutes } from './guard.js';

const recorder: RequestHandler = (_request, _response, next) => next();
const handler: RequestHandler = (_request, response) => {
  response.end();
};

describe('the guard that every mutating route is recorded', function () {
  it('accepts routes that start with the recorder, and reads', function () {
    const app = express();
    app.use(express.json());
    app.get('/v1/things', handler);
    app.post('/v1/things', recorder, express.json(), handler);
    app.route('/v1/things/:name').patch(recorder, handler).delete(recorder, handler).get(handler);
    assert.deepEqual(unrecordedRoutes(app, recorder), []);
  });

  it('names each mutating route whose first handler is not the recorder', function () {
    const app = express();
    app.post('/v1/things', handler);
    app.put('/v1/things/:name', express.json(), recorder, handler);
    app.patch('/v1/things/:name', recorder, handler);
    app.delete('/v1/things/:name', (_request, _response, next) => next(), recorder, handler);
    assert.deepEqual(unrecordedRoutes(app, recorder), ['POST /v1/things', 'PUT /v1/things/:name', 'DELETE /v1/things/:name']);
    assert.throws(() => assertChangesRecorded(app, recorder), /without the audit trail recorder.*POST \/v1\/things/);
  });

  it('sees a handler for every method (app.all) in front of the recorder', function () {
    const app = express();
    app.route('/v1/things').all(handler).post(recorder, handler);
    assert.deepEqual(unrecordedRoutes(app, recorder), ['POST /v1/things', 'PUT /v1/things', 'PATCH /v1/things', 'DELETE /v1/things']);
  });

  it('refuses a mounted router, whose routes it cannot see', function () {
    const app = express();
    const router = express.Router();
    router.post('/things', handler);
    app.use('/v1', router);
    assert.deepEqual(unrecordedRoutes(app, recorder), ['a mounted router (its routes cannot be checked)']);
  });

  it('passes the onboarding API itself, with and without a trail', function () {
    const deps = {
      tenants: {} as TenantStore,
      restores: {} as RestoreStore,
      auth: { tokens: {} as TokenStore },
      logger: createLogger({ silent: true }),
    };
    assert.doesNotThrow(() => createApp({ ...deps, auditTrail: null }));
    assert.doesNotThrow(() => createApp({ ...deps, auditTrail: { append: () => Promise.reject(new Error('unused')) } }));
  });
});
