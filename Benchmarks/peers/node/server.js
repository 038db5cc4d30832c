// The benchmark's Node.js peer: `http` + `crypto`, one process, written the obvious way.
//
//   node server.js [--host 127.0.0.1] [--port 0]     secret from VENDO_WEBHOOK_SECRET
//
// Prints `listening on http://HOST:PORT` once bound, like the project's servers.
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = arg('--host', '127.0.0.1');
const port = Number(arg('--port', '0'));
const secret = process.env.VENDO_WEBHOOK_SECRET || 'whsec_bench';
const MAX_AGE_SECONDS = 300;
const MAX_BODY = 1 << 20;
const HEX64 = /^[0-9a-fA-F]{64}$/;

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function reject(res, message) {
  send(res, 400, 'application/json',
    JSON.stringify({ error: { code: 'validation_failed', message } }));
}

function readBody(req, done) {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) { req.destroy(); return; }
    chunks.push(chunk);
  });
  req.on('end', () => done(Buffer.concat(chunks)));
}

function webhook(req, res, body) {
  const signature = (req.headers['vendo-signature'] || '').trim();
  const timestamp = (req.headers['vendo-timestamp'] || '').trim();
  const seconds = Number(timestamp);
  if (!signature || !timestamp || !Number.isFinite(seconds)) return reject(res, 'missing or bad signature headers');
  if (Math.abs(Date.now() / 1000 - seconds) > MAX_AGE_SECONDS) return reject(res, 'timestamp outside the allowed window');
  // Buffer.from(hex) silently stops at the first bad digit, so check the shape first.
  if (!HEX64.test(signature)) return reject(res, 'signature is not 64 hex digits');
  const expected = crypto.createHmac('sha256', secret).update(timestamp + '.').update(body).digest();
  if (!crypto.timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return reject(res, 'signature mismatch');
  let event;
  try { event = JSON.parse(body); } catch { return reject(res, 'body is not JSON'); }
  send(res, 200, 'application/json', JSON.stringify({ ok: true, id: event.id }));
}

const server = http.createServer((req, res) => {
  if (req.url === '/' && req.method === 'GET') return send(res, 200, 'text/plain', 'ok\n');
  if (req.url === '/' && req.method === 'POST') {
    return readBody(req, (body) => send(res, 200, 'application/octet-stream', body));
  }
  if (req.url === '/webhooks/vendo' && req.method === 'POST') {
    return readBody(req, (body) => webhook(req, res, body));
  }
  send(res, 404, 'text/plain', 'not found\n');
});

server.listen(port, host, () => {
  console.log(`listening on http://${host}:${server.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
