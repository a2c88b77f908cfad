/**
 * The assumptions for behaviour the NetworkPolicy specification leaves to the network plugin, with
 * defaults that are the worst case for isolation, and the `name=true|false` form the CLI sets them
 * with.
 */
import type { Assumptions } from './model.js';

export const defaultAssumptions: Assumptions = {
  ipBlockMatchesPodIPs: true,
  endPortSupported: true,
  hostNetworkPodsBypass: true,
  loopbackPairsListed: false,
};

const settable = ['ipBlockMatchesPodIPs', 'endPortSupported', 'hostNetworkPodsBypass'] as const;
type SettableAssumption = (typeof settable)[number];

function isSettable(name: string): name is SettableAssumption {
  return (settable as readonly string[]).includes(name);
}

/** Applies `name=true|false` settings over the defaults; throws a message naming the bad one. */
export function assumptionsFrom(settings: readonly string[]): Assumptions {
  const assumptions: Assumptions = { ...defaultAssumptions };
  for (const setting of settings) {
    const match = /^([A-Za-z]+)=(true|false)$/.exec(setting);
    if (!match) throw new Error(`--assume ${setting}: expected name=true or name=false`);
    const [, name = '', value] = match;
    if (!isSettable(name)) throw new Error(`--assume ${setting}: unknown assumption (known: ${settable.join(', ')})`);
    assumptions[name] = value === 'true';
  }
  return assumptions;
}
