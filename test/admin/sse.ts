import { parseEvents } from '../../packages/cli/src/follow.ts';

/** A Server-Sent Events reader over fetch (tests only): every chunk's text, and the parsed `data` events. */
export interface EventReader {
  readonly status: number;
  readonly headers: Headers;
  /** All the text received so far (comments included). */
  text(): string;
  /** Resolves with the first event (parsed JSON) matching `predicate`, or rejects after `timeoutMs`. */
  next(
    predicate: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  close(): void;
}

/** Opens `GET <url>` as an event stream. */
export async function openEvents(url: string, headers: Record<string, string>): Promise<EventReader> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  let received = '';
  let pending = '';
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  if (response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body!) {
          const text = decoder.decode(chunk, { stream: true });
          received += text;
          const parsed = parseEvents(pending + text);
          pending = parsed.rest;
          for (const data of parsed.data) events.push(JSON.parse(data) as Record<string, unknown>);
          for (const wake of waiters) wake();
        }
      } catch {
        // Closed by the test.
      }
    })();
  }
  return {
    status: response.status,
    headers: response.headers,
    text: () => received,
    next(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event in ${timeoutMs} ms; received: ${received.slice(-500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
