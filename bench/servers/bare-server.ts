// A bare node:http server answering the same body: the reference for what HTTP alone costs here.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 18_182);
const body = '{"ok":true}';
const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  response.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
