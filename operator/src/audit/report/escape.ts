/**
 * Escaping for text that came from the cluster (tenant names, messages, evidence) before it goes
 * into the HTML report or a terminal. Nothing a tenant can name is trusted to be plain text.
 */

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in HTML (and inline SVG) text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEntities[character] ?? character);
}

// eslint-disable-next-line no-control-regex
const terminalControls = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Safe to print in a terminal: control characters (escape sequences that could recolour, move the
 * cursor or hide lines) are shown as `\u001b`-style escapes instead of being sent.
 */
export function printable(text: string): string {
  return text.replace(terminalControls, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
