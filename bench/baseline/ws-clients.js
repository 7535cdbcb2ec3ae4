// Opens N WebSocket connections to URL and holds them, answering pings, until stdin closes or
// SIGTERM. Prints "open N" once all are open, so bench/run knows when to measure.
//   usage: node ws-clients.js URL N
'use strict';
const WebSocket = require('ws');
const [url, count] = [process.argv[2], Number(process.argv[3])];
const sockets = [];
let open = 0;
let failed = 0;
function done() {
  if (open + failed === count) console.log(`open ${open} failed ${failed}`);
}
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url);
  ws.on('open', () => { open++; done(); });
  ws.on('error', () => { failed++; done(); });
  ws.on('message', () => {});
  sockets.push(ws);
}
const stop = () => { for (const ws of sockets) ws.terminate(); process.exit(0); };
process.on('SIGTERM', stop);
process.stdin.on('end', stop).resume();
