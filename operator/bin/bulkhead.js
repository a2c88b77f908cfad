#!/usr/bin/env node
// `npx bulkhead ...` from a checkout: runs the TypeScript sources through tsx's loader.
// The operator image runs the compiled dist/ instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
