// A webhook receiver on 127.0.0.1: answers `status` (changeable) and records what it got.
import http from 'node:http';

export async function startReceiver({ status = 200 } = {}) {
  const receiver = { status, requests: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json = null;
      try {
        json = JSON.parse(body);
      } catch {}
      const answered = receiver.status;
      receiver.requests.push({ id: req.headers['webhook-id'], signature: req.headers['webhook-signature'], answered, body: json });
      res.writeHead(answered, { 'Content-Type': 'text/plain' });
      res.end(answered < 300 ? 'ok' : 'no');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${server.address().port}/hook`;
  receiver.close = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return receiver;
}
