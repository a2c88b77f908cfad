/**
 * Structured JSON logging (winston) shared by the runtime and everything above it. Components get
 * child loggers carrying their fields (`controller`, `reconcileID`, `key`, ...). Log keys and names,
 * never object contents: a cached object may be a Secret.
 */
import winston from 'winston';
import type { Logger } from 'winston';
import { errorMessage } from './errors.js';

export type { Logger } from 'winston';

export interface LoggerOptions {
  /** winston npm level: error, warn, info, http, verbose, debug, silly; default info. */
  level?: string;
  /** Recorded as the `logger` field of every entry. */
  name?: string;
  /** Where JSON lines go; default stdout. Tests pass a stream to read them back. */
  stream?: NodeJS.WritableStream;
  /** Drops every entry; for tests that do not look at logs. */
  silent?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const transport = options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: options.name ? { logger: options.name } : {},
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}

/**
 * Log fields for an error: its message only. Passing an Error straight to winston prints its stack
 * (noise for expected failures such as conflicts) or drops the message, depending on the format.
 */
export function errorFields(error: unknown): { error: string } {
  return { error: errorMessage(error) };
}
