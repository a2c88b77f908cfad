/** The provider specs call providers directly, as the only actor: a fence that always confirms (the operator's is its leader elector). */
import { unelectedFence } from '../../../src/runtime/fence.js';

export const soleActorFence = unelectedFence(new AbortController().signal);
