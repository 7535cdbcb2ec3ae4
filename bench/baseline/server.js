// The baseline of bench/run: the routes the manual probes, served the way the manual's stack
// serves them (Express on Node.js, better-sqlite3, ws), from the same SQLite file bscbotd uses.
// It does the same work per request as bscbotd: the health answer comes from memory, history
// checks an HS256 bearer token and reads the newest trades; it writes no access log (bscbotd
// does), so any difference is not the baseline's handicap.
//   usage: PORT=N JWT_SECRET=S node server.js DATABASE
'use strict';
const crypto = require('crypto');
const express = require('express');
const Database = require('better-sqlite3');
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT || 10001);
const secret = process.env.JWT_SECRET || '';
const db = new Database(process.argv[2], { fileMustExist: true, readonly: true });
db.pragma('busy_timeout = 5000');
const newest = db.prepare('SELECT * FROM trades ORDER BY created_at DESC, id DESC LIMIT ?');
const started = process.hrtime.bigint();
let sockets = 0;

function b64url(buf) {
  return buf.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

// HS256 only, with an expiry, as bscbotd's authorizer checks.
function authorized(header) {
  const m = /^Bearer (.+)$/.exec(header || '');
  if (!m) return false;
  const parts = m[1].split('.');
  if (parts.length !== 3) return false;
  const mac = b64url(crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest());
  if (mac.length !== parts[2].length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(parts[2]))) return false;
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  return typeof claims.exp === 'number' && claims.exp > Date.now() / 1000;
}

const app = express();
app.disable('x-powered-by');

app.get('/api/health', (req, res) => {
  res.set('Cache-Control', 'no-store').json({
    status: 'ok',
    timestamp: new Date().toISOString(),
    websocket_connections: sockets,
    uptime_seconds: Number(process.hrtime.bigint() - started) / 1e9,
    pid: process.pid,
    database: { state: 'ok', path: process.argv[2] },
  });
});

app.get('/api/v1/trading/history', (req, res) => {
  if (!authorized(req.get('authorization'))) return res.status(401).json({ error: 'unauthorized' });
  const limit = Number(req.query.limit || 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return res.status(400).json({ error: 'bad limit' });
  const trades = newest.all(limit);
  res.json({ trades, count: trades.length, limit });
});

const server = app.listen(port, '127.0.0.1', () => console.log(`baseline listening on ${port}`));
server.keepAliveTimeout = 65000;

// WebSocket /ws with the manual's 30 s ping/pong heartbeat.
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => {
  sockets++;
  ws.alive = true;
  ws.on('pong', () => { ws.alive = true; });
  ws.on('close', () => { sockets--; });
});
setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.alive) { ws.terminate(); continue; }
    ws.alive = false;
    ws.ping();
  }
}, 30000).unref();

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { wss.close(); server.close(() => process.exit(0)); });
