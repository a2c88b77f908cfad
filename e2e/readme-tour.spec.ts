/**
 * The README's five-minute tour, as a new user runs it: `make demo`, then every command of the
 * "While it runs" block, copied from README.md itself so the two cannot drift apart. Twice over, in
 * one state directory, because users start the demo again and again: the second tour must work on
 * top of the first one's reports, keys and files.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, repoRoot } from './support/platform.js';

interface Expectation {
  /** Which README command this is about. */
  command: RegExp;
  /** Exit codes the command may end with; 0 for every command not listed. */
  exitCodes: number[];
  /** What its output (stdout and stderr) must show. */
  output?: RegExp;
}

const expectations: Expectation[] = [
  { command: /crds\/examples\/invalid\/tenant-owner-system-group/, exitCodes: [1], output: /spec\.owners\[0\]\.name.*system:/ },
  // Findings are allowed here (initech may still be onboarding); the audit itself must run.
  { command: /bulkhead audit --format text\s*(#|$)/, exitCodes: [0, 1], output: /checks/ },
  {
    command: /bulkhead audit --tenant globex/,
    exitCodes: [1],
    output: /UndeclaredIngress[\s\S]*tenant-globex\/allow-all|tenant-globex\/allow-all[\s\S]*UndeclaredIngress/,
  },
  { command: /bulkhead audit --format html/, exitCodes: [1] },
  { command: /bulkhead --help/, exitCodes: [0], output: /audit-trail[\s\S]*audit \[options\]/ },
  { command: /audit verify --chain/, exitCodes: [0], output: /chain valid: \d+ reports/ },
  // The tour's report holds globex's sabotage, so the period has a finding (still open at its end): exit 1.
  { command: /bulkhead audit period/, exitCodes: [1], output: /UndeclaredIngress[^\n]*still open/ },
  { command: /kubectl delete netpol default-deny/, exitCodes: [0], output: /default-deny/ },
  { command: /curl -sS -X POST/, exitCodes: [0], output: /"name":"initech"/ },
];

/** The commands of the README block that follows "While it runs:", heredocs kept whole. */
function tourCommands(readme: string): string[] {
  const start = readme.indexOf('While it runs:');
  const block = readme.slice(start).split('```sh\n')[1]?.split('\n```')[0] ?? '';
  const commands: string[] = [];
  let heredoc: { end: string; lines: string[] } | undefined;
  // Lines continued with a trailing backslash are one command.
  for (const line of block.replaceAll('\\\n', ' ').split('\n')) {
    if (heredoc) {
      heredoc.lines.push(line);
      if (line.trim() === heredoc.end) {
        commands.push(heredoc.lines.join('\n'));
        heredoc = undefined;
      }
      continue;
    }
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const marker = /<<'?(\w+)'?/.exec(line);
    if (marker) heredoc = { end: marker[1] ?? '', lines: [line] };
    else commands.push(line);
  }
  return commands;
}

async function startDemo(stateDir: string): Promise<{ demo: ChildProcess; output: () => string }> {
  let output = '';
  const demo = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'hack/demo.ts')], {
    // KWOK's node: the journeys' platform holds this machine's one real node while the tour runs.
    cwd: repoRoot,
    env: { ...process.env, BULKHEAD_STATE_DIR: stateDir, ONCE: '', BULKHEAD_NODE_REQUEST: 'kwok' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const state = await eventually(
    'the demo to say everything is running',
    () => {
      if (demo.exitCode !== null) return Promise.resolve('exited');
      return Promise.resolve(output.includes('Press Ctrl-C to stop everything') ? 'running' : undefined);
    },
    300_000,
  );
  if (state === 'exited') throw new Error(`make demo exited with ${demo.exitCode}:\n${output}`);
  return { demo, output: () => output };
}

async function stopDemo(demo: ChildProcess): Promise<void> {
  if (demo.exitCode !== null) return;
  const exited = new Promise((resolve) => demo.once('exit', resolve));
  demo.kill('SIGINT');
  await exited;
}

describe('the README tour, run twice in one state directory', function () {
  this.timeout(600_000);
  // Under the repository's .bulkhead like the demo's own (PostgreSQL runs as its own user and must
  // read its files there; a mkdtemp directory is root's alone).
  const stateDir = join(repoRoot, '.bulkhead', 'tour', String(process.pid));
  const commands = tourCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  const [prelude = '', ...steps] = commands;

  after(function () {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('finds the tour in the README: it sources demo.env first and audits, verifies and rolls out', function () {
    assert.match(prelude, /source \.bulkhead\/demo\.env/);
    for (const expectation of expectations) {
      assert.ok(
        steps.some((step) => expectation.command.test(step)),
        `the README tour no longer has a command matching ${String(expectation.command)}`,
      );
    }
  });

  for (const round of [1, 2]) {
    it(`round ${round}: every tour command does what the README says while make demo runs`, async function () {
      const { demo, output } = await startDemo(stateDir);
      try {
        const kubectlDir = dirname((JSON.parse(readFileSync(join(stateDir, 'environment.json'), 'utf8')) as { kubectl: string }).kubectl);
        for (const step of steps) await runTourStep(step, stateDir, kubectlDir);
      } finally {
        await stopDemo(demo);
      }
      assert.ok(existsSync(join(stateDir, 'demo.env')), `the demo wrote no demo.env:\n${output()}`);
    });
  }
});

async function runTourStep(step: string, stateDir: string, kubectlDir: string): Promise<void> {
  const local = (text: string): string => text.replaceAll('.bulkhead/', `${stateDir}/`);
  const script = `set -a; source ${stateDir}/demo.env; set +a\n${local(step)}`;
  const run = promisify(execFile);
  const result = await run('bash', ['-c', script], {
    cwd: repoRoot,
    env: { ...process.env, PATH: `${kubectlDir}:${process.env.PATH ?? ''}` },
    maxBuffer: 32 * 1024 * 1024,
    timeout: 180_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  );
  const expectation = expectations.find((e) => e.command.test(step));
  const allowed = expectation?.exitCodes ?? [0];
  assert.ok(
    allowed.includes(result.code),
    `\`${step}\` exited with ${result.code}, expected ${allowed.join(' or ')}:\n${result.output.slice(-3000)}`,
  );
  if (expectation?.output) assert.match(result.output, expectation.output, `\`${step}\` printed:\n${result.output.slice(-3000)}`);
}
