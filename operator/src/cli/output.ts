/**
 * `-o text|json|yaml`, the output option of every command that prints: one option definition and
 * one renderer, so JSON and YAML carry the same document and text stays the human summary.
 */
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { UsageError } from './exit-codes.js';

export const outputFormats = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** `-o, --output FORMAT` restricted to `choices`; the parser names the flag and the allowed values on a bad one. */
export function outputOption<T extends string>(choices: readonly T[], defaultFormat: T): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(defaultFormat);
}

/** `--format FORMAT`, the output flag before `-o`, in the choices of the command's -o. */
export function formatOption(choices: readonly string[]): Option {
  return new Option('--format <format>', 'the older spelling of -o').choices(choices);
}

/** `--format` was the output flag before `-o`; both are accepted, and must agree. */
export function outputOf<T extends string = OutputFormat>(command: Command): T {
  const { output, format } = command.opts<{ output: T; format?: T }>();
  if (format === undefined || command.getOptionValueSource('output') !== 'cli') return format ?? output;
  if (format !== output) throw new UsageError(`-o ${output} and --format ${format} disagree; give one`);
  return output;
}

/** The document as `format`; `text` is the command's own rendering of it. */
export function render(format: OutputFormat, document: unknown, text: () => string): string {
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  if (format === 'yaml') return stringify(document);
  return text();
}
