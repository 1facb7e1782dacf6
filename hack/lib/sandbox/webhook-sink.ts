// A webhook sink for tests and the demo: records every request it receives as one JSON line
// (time, method, path, headers, body as the raw string received) and answers like Slack's
// incoming-webhook API (200, body "ok"). GET /healthz answers without recording.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const logFile = process.argv[3];
if (!port || !logFile) {
  console.error('usage: webhook-sink.ts PORT LOGFILE');
  process.exit(2);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const record = {
      time: new Date().toISOString(),
      method: req.method,
      path: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    appendFileSync(logFile, `${JSON.stringify(record)}\n`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
server.listen(port, '127.0.0.1', () =>
  console.log(`webhook sink on http://127.0.0.1:${port}, recording to ${logFile}`),
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
