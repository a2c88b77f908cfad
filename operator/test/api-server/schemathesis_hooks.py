"""Schemathesis hooks for the onboarding API spec (schemathesis.spec.ts).

A real client sends a new Idempotency-Key with every new request. Schemathesis draws header values
from the schema, so its coverage phase sends the same minimal key with different bodies, which the
API rightly refuses (422 idempotency-key-reused): the create route would then be fuzzed only up to
its idempotency check. Every well-formed key is replaced by a fresh one; malformed keys are kept,
so the header's own validation is still fuzzed. Key reuse is covered by onboarding-api.spec.ts.
"""
import re
import uuid

import schemathesis

WELL_FORMED_KEY = re.compile(r'^([!-~]{1,255}|"[!-~]{1,255}")$')


@schemathesis.hook
def before_call(context, case, **kwargs):
    key = (case.headers or {}).get("Idempotency-Key")
    if key is not None and WELL_FORMED_KEY.match(key):
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
