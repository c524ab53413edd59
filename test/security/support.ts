import { connect } from 'node:net';

/** Sends raw bytes over TCP and collects the answer until the server closes (or `waitMs` passes). */
export function rawRequest(
  port: number,
  text: string,
  waitMs = 3000,
): Promise<{ answer: string; closedAfterMs: number | undefined }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, closedAfterMs: closed ? Date.now() - started : undefined });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(text);
  });
}

/** The status and body of the first HTTP/1.1 answer in `raw`. */
export function parseAnswer(raw: string): { status: number; body: string } {
  const status = Number(raw.slice(9, 12));
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  let body = raw.slice(split + 4);
  if (/transfer-encoding: chunked/i.test(head)) {
    let out = '';
    let rest = body;
    for (;;) {
      const line = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.slice(0, line), 16);
      if (!size) break;
      out += rest.slice(line + 2, line + 2 + size);
      rest = rest.slice(line + 2 + size + 2);
    }
    body = out;
  } else {
    const length = /content-length: (\d+)/i.exec(head);
    if (length) body = body.slice(0, Number(length[1]));
  }
  return { status, body };
}
