/**
 * What every layer uses to turn a caught value into words: anything may be thrown in JavaScript, and
 * the message of an Error is all that may reach a log, a condition, an Event or a problem response.
 */

/**
 * The message of a thrown value: an Error's message, a string as it is, the string `message` of an
 * error-like object. Never a serialisation of an arbitrary object, which could be a response body
 * holding a Secret.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error); // an object without a prototype has no toString
  }
}
