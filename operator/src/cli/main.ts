#!/usr/bin/env node
/**
 * The `bulkhead` command (and `kubectl bulkhead`, the same program installed as the kubectl plugin
 * kubectl-bulkhead): the command tree is in program.ts, the exit codes in exit-codes.ts.
 */
import { basename } from 'node:path';
import { defaultHandlers } from './handlers.js';
import { runCli } from './program.js';

/** kubectl runs a plugin as kubectl-NAME; its help should read as the command the user typed. */
const name = basename(process.argv[1] ?? '').startsWith('kubectl-') ? 'kubectl bulkhead' : 'bulkhead';

const code = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env },
  defaultHandlers,
  name,
);
process.exit(code);
