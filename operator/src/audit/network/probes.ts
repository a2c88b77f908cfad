/**
 * Probes as the CLI writes them: `tcp/80`, `udp/53`, `sctp/9000`, or a named port such as
 * `tcp/http` (resolved per destination pod).
 */
import type { Probe, Protocol } from './model.js';

/** IANA_SVC_NAME, which is what a named container port must be (validation.IsValidPortName). */
export const portNamePattern = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

export function parseProbe(text: string): Probe {
  const [protocolText = '', portText = '', ...rest] = text.split('/');
  const protocol = protocolText.toUpperCase();
  if (rest.length > 0 || !isProtocol(protocol)) {
    throw new Error(`--probe ${text}: expected tcp|udp|sctp/PORT, e.g. tcp/80 or tcp/http`);
  }
  if (/^[0-9]+$/.test(portText)) {
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new Error(`--probe ${text}: port must be 1-65535`);
    return { protocol, port };
  }
  if (!portNamePattern.test(portText))
    throw new Error(`--probe ${text}: ${portText || 'an empty port'} is neither a port number nor a port name`);
  return { protocol, port: portText };
}

function isProtocol(text: string): text is Protocol {
  return text === 'TCP' || text === 'UDP' || text === 'SCTP';
}

export function formatProbe(probe: Probe): string {
  return `${probe.protocol.toLowerCase()}/${probe.port}`;
}
