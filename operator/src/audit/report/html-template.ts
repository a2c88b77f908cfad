/**
 * HTML that escapes by default. Every value interpolated into an html`...` template is escaped
 * unless it is itself Html (another template's result, or a constant marked trusted with raw()), so
 * a tenant name is safe without each call site remembering to escape it. Arrays are joined without a
 * separator, each element treated the same way. Escaping makes a value safe in element text and in
 * a quoted attribute value; it does not make one safe as an unquoted attribute, a URL, CSS or script,
 * so templates put values only in the first two.
 */
import { escapeHtml } from './escape.js';

/** Markup that is safe to insert as it is. Build it only with html`...` or raw(). */
export class Html {
  constructor(private readonly markup: string) {}

  toString(): string {
    return this.markup;
  }
}

export type HtmlValue = Html | string | number | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(markup);
}

/** Trusted markup inserted as it is: only constants of this program, never text from the cluster. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** `items` as markup, with `separator` (trusted text) between them. */
export function joinHtml(items: readonly HtmlValue[], separator: string): Html {
  return new Html(items.map(render).join(separator));
}
