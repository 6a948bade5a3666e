// A WebSocket API through the Node.js `ws` client (run by tests/e2e/test_apigw_ws_node.py):
//
//   node ws_test.mjs ws://127.0.0.1:PORT/ws/<api-id>/<stage>
//
// The API's routes (set up by the Python test): $connect admits ?token=let-me-in and refuses
// anything else with 403; `send` is a two-way route that answers {"echo": text, "connectionId"};
// `push` posts "pushed:<text>" back through @connections; there is no $default. The last line of
// stdout is one JSON object of what was seen, which the Python test checks field by field.
import WebSocket from 'ws';

const endpoint = process.argv[2];
// Bounds every wait, so that a server that never answers fails the run instead of hanging it.
const WAIT_MS = 30000;

function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The status of a refused upgrade (ws emits 'unexpected-response' for a non-101 answer).
function refusedStatus(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => { req.destroy(); resolve({ status: res.statusCode, body }); });
    });
    ws.on('open', () => { ws.terminate(); reject(new Error('the upgrade was accepted')); });
    ws.on('error', () => {});  // the refusal itself also surfaces here after 'unexpected-response'
  });
}

// Messages in arrival order, with a way to wait for the next one.
function inbox(ws) {
  const queued = [];
  const waiting = [];
  ws.on('message', (data, isBinary) => {
    const message = isBinary ? data : data.toString('utf8');
    if (waiting.length) waiting.shift()(message); else queued.push(message);
  });
  return () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((r) => waiting.push(r)));
}

const result = {};
try {
  result.refused = await bounded(refusedStatus(endpoint), 'refusal');
  result.refused_wrong_token = await bounded(refusedStatus(endpoint + '?token=wrong'), 'refusal');

  const ws = new WebSocket(endpoint + '?token=let-me-in&room=blue');
  const next = inbox(ws);
  await bounded(new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); }), 'open');

  ws.send(JSON.stringify({ action: 'send', text: 'hi' }));
  result.two_way = JSON.parse(await bounded(next(), 'two-way answer'));

  ws.send(JSON.stringify({ action: 'push', text: 'hello' }));
  result.pushed = await bounded(next(), 'push');

  ws.send('not json');
  result.unrouted = JSON.parse(await bounded(next(), 'Forbidden frame'));

  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.close(1000, 'bye');
  result.closed = await bounded(closed, 'close');
} catch (e) {
  result.error = String(e && e.stack || e);
}
console.log(JSON.stringify(result));
process.exit(0);
