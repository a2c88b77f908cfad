/** The tool's own name and version as a report names them, read from operator/package.json. */
import { readFileSync } from 'node:fs';

/** The version in operator/package.json (the same relative path from src/ and from dist/), read at each report's build: once per run. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
