/** The onboarding API as sales ops, admins and auditors call it: JSON over HTTP with a bearer token. */
import { randomUUID } from 'node:crypto';

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

export class OnboardingApi {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text so a failing assertion shows it
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  get(path: string): Promise<Reply> {
    return this.call('GET', path);
  }
}
