import type { IncomingMessage, ServerResponse } from 'node:http';
import { BODY_LIMIT, type BodyProblem, type NeutralResponse } from '../http/types.ts';

/**
 * Reads a Node request's body as UTF-8 text, at most {@link BODY_LIMIT} bytes; a larger or broken body is a
 * {@link BodyProblem}. When a body parser already consumed the stream, its result is used instead: a Buffer or
 * string as is, an object re-encoded the way it arrived (JSON, or a form for `application/x-www-form-urlencoded`).
 */
export async function readNodeBody(
  request: IncomingMessage & { body?: unknown },
): Promise<{ body: string } | { bodyProblem: BodyProblem }> {
  const parsed = request.body;
  if (parsed !== undefined && (request.readableEnded || request.complete)) {
    if (typeof parsed === 'string') return { body: parsed };
    if (Buffer.isBuffer(parsed)) return { body: parsed.toString('utf8') };
    const type = String(request.headers['content-type'] ?? '');
    if (
      type.startsWith('application/x-www-form-urlencoded') &&
      parsed !== null &&
      typeof parsed === 'object'
    ) {
      return { body: new URLSearchParams(parsed as Record<string, string>).toString() };
    }
    return { body: JSON.stringify(parsed) };
  }
  if (Number(request.headers['content-length'] ?? '0') > BODY_LIMIT) return { bodyProblem: 'too-large' };
  // Not `for await`: leaving that loop early destroys the request, and with it the socket the answer must go out on.
  // Past the limit the rest is read and dropped (the stream keeps flowing), so the connection stays usable.
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: { body: string } | { bodyProblem: BodyProblem }) => {
      if (settled) return;
      settled = true;
      request.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) finish({ bodyProblem: 'too-large' });
      else chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => finish({ body: Buffer.concat(chunks).toString('utf8') }));
    request.once('error', () => finish({ bodyProblem: 'unreadable' }));
    request.once('close', () => finish({ bodyProblem: 'unreadable' }));
  });
}

/** Writes a neutral response on a Node response (a `stream` is written chunk by chunk). */
export async function writeNodeResponse(response: ServerResponse, answer: NeutralResponse): Promise<void> {
  response.writeHead(answer.status, answer.headers);
  if (answer.stream === undefined) {
    response.end(answer.body);
    return;
  }
  response.flushHeaders();
  const iterator = answer.stream[Symbol.asyncIterator]();
  response.once('close', () => void iterator.return?.());
  for (;;) {
    const { done, value } = await iterator.next();
    if (done || response.destroyed) break;
    response.write(value);
  }
  response.end();
}
