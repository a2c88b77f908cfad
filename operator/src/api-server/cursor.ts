/**
 * The opaque list cursor: where the next page starts. Filters (plan, region, readiness) are applied
 * by the API, not the server, so a page of ours can end in the middle of a Kubernetes page; the
 * cursor then holds that page's continue token plus the last name returned from it. It is base64url
 * JSON, validated on the way back in; it grants nothing (the caller could list anyway).
 */
import { z } from 'zod';
import { ApiProblem } from './problems.js';

const CursorSchema = z.strictObject({
  /** The Kubernetes continue token of the page to read, absent for the first. */
  c: z.string().max(4096).optional(),
  /** Skip items of that page up to and including this name. */
  after: z.string().max(253).optional(),
  /** With cells, the cell the listing is in (cells are listed one after another, in name order). */
  s: z.string().max(63).optional(),
});
export type Cursor = z.infer<typeof CursorSchema>;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = CursorSchema.safeParse(value);
  if (!parsed.success) {
    throw new ApiProblem({
      status: 400,
      type: 'invalid-cursor',
      title: 'Invalid cursor',
      detail: 'Pass back the nextCursor of an earlier page unchanged.',
      errors: [{ field: 'cursor', rule: 'opaqueCursor' }],
    });
  }
  return parsed.data;
}

export function expiredCursorProblem(): ApiProblem {
  return new ApiProblem({
    status: 410,
    type: 'cursor-expired',
    title: 'Cursor expired',
    detail: 'The listing this cursor belongs to has expired; start again without a cursor.',
    errors: [{ field: 'cursor', rule: 'notExpired' }],
  });
}
