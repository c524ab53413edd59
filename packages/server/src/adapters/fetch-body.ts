import { BODY_LIMIT, type BodyProblem, type NeutralResponse } from '../http/types.ts';

/** The header record of an `AuthRequest` from fetch `Headers` (names already lower-cased; repeated values joined). */
export function headersFromFetch(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/**
 * Reads a fetch `Request`'s body as UTF-8 text, at most {@link BODY_LIMIT} bytes: a larger or broken body is a
 * {@link BodyProblem}, answered by the route in its documented shape.
 */
export async function readFetchBody(
  request: Request,
): Promise<{ body: string } | { bodyProblem: BodyProblem }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > BODY_LIMIT) return { bodyProblem: 'too-large' };
  if (request.body === null) return { body: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > BODY_LIMIT) {
        await discardRest(reader);
        return { bodyProblem: 'too-large' };
      }
      chunks.push(value);
    }
    return { body: new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks)) };
  } catch {
    return { bodyProblem: 'unreadable' };
  }
}

/** How much of a too-large body is read and dropped so the connection can carry the answer and more requests. */
const DISCARD_LIMIT = 1024 * 1024;

/**
 * Reads and drops the rest of a too-large body, up to {@link DISCARD_LIMIT}, then cancels. Cancelling at once would
 * destroy the connection under the answer on @hono/node-server (its body is `Readable.toWeb(incoming)`), and a client
 * reusing it would see the next request hang up.
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let discarded = 0;
  while (discarded <= DISCARD_LIMIT) {
    const { done, value } = await reader.read();
    if (done) return;
    discarded += value.byteLength;
  }
  await reader.cancel();
}

/** A neutral response as a fetch `Response` (a `stream` becomes the body's readable stream). */
export function toFetchResponse(response: NeutralResponse): Response {
  const { stream } = response;
  if (stream === undefined)
    return new Response(response.body, { status: response.status, headers: response.headers });
  const encoder = new TextEncoder();
  const iterator = stream[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
