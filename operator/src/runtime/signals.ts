/**
 * Graceful shutdown on SIGTERM and SIGINT, after controller-runtime's SetupSignalHandler: the first
 * signal aborts the returned signal so everything can wind down (release the lease, finish
 * reconciles in flight); a second one exits at once, for when winding down hangs.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from './logging.js';

export interface SignalHandlerOptions {
  logger?: Logger;
  /** Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Where signals arrive; default `process` (tests pass an EventEmitter). */
  target?: EventEmitter;
  /** Called on the second signal; default process.exit. */
  exit?: (code: number) => void;
}

export interface ShutdownHandle {
  /** Aborts once, on the first signal. */
  readonly signal: AbortSignal;
  /** Removes the listeners, giving the signals back to Node's defaults. */
  dispose(): void;
}

export function setupSignalHandler(options: SignalHandlerOptions = {}): ShutdownHandle {
  const target = options.target ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      options.logger?.warn('Received second signal, exiting immediately', { signal });
      exit(1);
      return;
    }
    options.logger?.info('Received signal, shutting down', { signal });
    controller.abort(new Error(`received ${signal}`));
  };
  for (const signal of signals) target.on(signal, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const signal of signals) target.off(signal, onSignal);
    },
  };
}
