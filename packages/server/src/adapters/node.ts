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
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > BODY_LIMIT) return { bodyProblem: 'too-large' };
      chunks.push(chunk as Buffer);
    }
  } catch {
    return { bodyProblem: 'unreadable' };
  }
  return { body: Buffer.concat(chunks).toString('utf8') };
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
