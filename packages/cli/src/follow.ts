import type { Io } from './output.ts';
import { UsageError } from './output.ts';

/** One rejection as the admin event stream sends it (the fields the CLI prints). */
interface StreamedRejection {
  readonly at: string;
  readonly mechanism: string;
  readonly code: string;
  readonly publicId?: string;
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  readonly diagnosis: { readonly en: string; readonly fr: string };
}

/**
 * Splits Server-Sent Events text into the `data` of each event; comments (heartbeats) and other fields are skipped.
 * Returns the complete events and the unfinished rest.
 *
 * @example
 * ```ts
 * parseEvents('data: {"a":1}\n\n: heartbeat\n\ndata: {"b"') // { data: ['{"a":1}'], rest: 'data: {"b"' }
 * ```
 */
export function parseEvents(text: string): { data: string[]; rest: string } {
  const normalized = text.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  const data: string[] = [];
  for (const block of blocks) {
    const lines = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''));
    if (lines.length > 0) data.push(lines.join('\n'));
  }
  return { data, rest };
}

/** One line per rejection: time, mechanism, code, public id, request, and what to do in the chosen language. */
export function formatRejection(event: StreamedRejection, language: 'en' | 'fr'): string {
  return `${event.at} ${event.mechanism.padEnd(15)} ${event.code.padEnd(32)} ${event.publicId ?? '-'} ${event.method} ${event.path} ${event.requestId} — ${event.diagnosis[language]}`;
}

/**
 * `payauth audit --follow`: prints the server's rejections as they happen, from its admin event stream, until the
 * stream ends or the process is stopped. Resolves with the exit code (1 when the server refused or went away).
 */
export async function followRejections(options: {
  url: string;
  token: string;
  language: 'en' | 'fr';
  json: boolean;
  io: Io;
  signal?: AbortSignal;
}): Promise<number> {
  const base = options.url.replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(base))
    throw new UsageError('--url must be the server URL, e.g. http://127.0.0.1:8080');
  let response: Response;
  try {
    response = await fetch(`${base}/admin/api/events`, {
      headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    options.io.stderr(`payauth: cannot reach ${base}: ${(error as Error).cause ?? (error as Error).message}`);
    return 1;
  }
  if (response.status !== 200 || response.body === null) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    options.io.stderr(
      `payauth: ${base} refused the event stream (${response.status}${body.message ? `: ${body.message}` : ''})`,
    );
    return 1;
  }
  options.io.stderr(`payauth: following the rejections of ${base} (Ctrl-C to stop)`);
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const chunk of response.body) {
      const parsed = parseEvents(pending + decoder.decode(chunk, { stream: true }));
      pending = parsed.rest;
      for (const data of parsed.data) {
        if (options.json) options.io.stdout(data);
        else options.io.stdout(formatRejection(JSON.parse(data) as StreamedRejection, options.language));
      }
    }
  } catch (error) {
    if (options.signal?.aborted) return 0;
    options.io.stderr(`payauth: the event stream broke: ${(error as Error).message}`);
    return 1;
  }
  options.io.stderr('payauth: the server closed the event stream');
  return 1;
}
