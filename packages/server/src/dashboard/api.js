// @ts-check
// The admin API client: every request carries the admin token as `Authorization: Bearer` (no cookie, so no CSRF
// by cookie; the API also refuses a foreign Origin). The token lives in sessionStorage: gone when the tab closes.

const TOKEN_KEY = 'payauth.adminToken';

// The answers of the admin API that the dashboard reads (docs/admin.md). The pages still check what they use: a
// value from the server is data, never trusted to have the documented shape.

/**
 * A credential as `GET credentials` lists it: public ids only, never a secret.
 * @typedef {object} CredentialSummary
 * @property {string} id
 * @property {string} partnerId
 * @property {import('./mechanisms.js').Mechanism} mechanism
 * @property {string} publicId
 * @property {'active' | 'revoked'} status
 * @property {string} createdAt
 * @property {string} [revokedAt]
 * @property {string} [lastUsedAt]
 * @property {number} liveSecrets
 */

/**
 * The answer of a creation or a rotation: the credential's ids and its secrets, shown this once.
 * @typedef {{ id: string, mechanism: import('./mechanisms.js').Mechanism, partnerId?: string } & Record<string, string | undefined>} CreatedCredential
 */

/**
 * One message of the live rejection stream (`GET events`): never a secret.
 * @typedef {object} RejectionMessage
 * @property {string} at
 * @property {string} mechanism
 * @property {string} code
 * @property {string} reason
 * @property {string} [hint]
 * @property {{ en: string, fr: string }} [diagnosis]
 * @property {string} [publicId]
 * @property {string} [requestId]
 * @property {string} [method]
 * @property {string} [path]
 * @property {string[]} [headerNames]
 */

/**
 * One row of `GET audit/stats`: the attempts of one mechanism in one minute.
 * @typedef {{ minute: string | number, mechanism: string, accepted: number, rejected: number }} MinuteStats
 */

/**
 * One finding of `POST diagnose`, in the requested language.
 * @typedef {{ code: string, severity: 'error' | 'warning' | 'info', message: string }} Finding
 */

/**
 * The answer of `POST diagnose`.
 * @typedef {{ valid: boolean, findings: Finding[], serverSecretUsed?: boolean }} Diagnosis
 */

/**
 * A request's query parameters (an empty or undefined value is left out) and JSON body.
 * @typedef {{ query?: Record<string, string | number | undefined>, body?: unknown }} RequestOptions
 */

/** An answer of the admin API other than 2xx, with its `{error, message}` when it sent one. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} [code]
   * @param {string} [message]
   */
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The admin API under `../admin/api/` relative to the dashboard, so the pair can be mounted under any prefix. */
export class AdminApi {
  /** @param {URL} [base] */
  constructor(base = new URL('../admin/api/', window.location.href)) {
    this.base = base;
  }

  get token() {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? '';
  }

  set token(value) {
    if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  }

  /**
   * @param {string} path
   * @param {RequestOptions['query']} [query]
   */
  url(path, query) {
    const url = new URL(path, this.base);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    return url;
  }

  /**
   * Sends one request; resolves with the parsed JSON (undefined for an empty or non-JSON body), rejects with an
   * {@link ApiError}. `Answer` is what the caller expects the admin API to answer.
   * @template [Answer=unknown]
   * @param {'GET' | 'POST' | 'DELETE'} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<Answer | undefined>}
   */
  async request(method, path, { query, body } = {}) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
    const text = await response.text();
    let data;
    try {
      data = text === '' ? undefined : JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (!response.ok) throw new ApiError(response.status, data?.error, data?.message);
    return data;
  }

  /**
   * Reads `GET events` with fetch + a ReadableStream (EventSource cannot send an Authorization header) and calls
   * `onOpen` once connected, then `onMessage` with each `data:` JSON. Resolves when the stream ends; rejects on an
   * HTTP error or abort.
   */
  /**
   * @param {string} path
   * @param {{ onOpen?: () => void, onMessage: (message: unknown) => void, signal?: AbortSignal }} handlers
   * @returns {Promise<void>}
   */
  async stream(path, { onOpen, onMessage, signal }) {
    const response = await fetch(this.url(path), {
      headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' },
      cache: 'no-store',
      credentials: 'omit',
      signal,
    });
    if (!response.ok || !response.body) throw new ApiError(response.status);
    onOpen?.();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = createEventParser(onMessage);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser(value);
    }
  }
}

/**
 * A Server-Sent Events parser (the WHATWG rules that matter here): events end at a blank line, `data:` lines are
 * joined by newlines, comments (`:`) and other fields are ignored. Each event's data is parsed as JSON.
 */
/**
 * @param {(message: unknown) => void} onMessage
 * @returns {(chunk: string) => void}
 */
export function createEventParser(onMessage) {
  let buffer = '';
  /** @type {string[]} */
  let data = [];
  return (chunk) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) {
          try {
            onMessage(JSON.parse(data.join('\n')));
          } catch {
            // Not JSON: not one of ours; skip it.
          }
        }
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
  };
}
