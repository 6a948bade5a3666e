// The @connections management API through the AWS SDK for JavaScript v3's
// ApiGatewayManagementApiClient, with a `ws` client on the other end (run by
// tests/e2e/test_apigw_ws_node.py):
//
//   node management_test.mjs ws://127.0.0.1:PORT/ws/<api-id>/<stage> http://127.0.0.1:PORT/<stage> SDK_DIR
//
// SDK_DIR is a node_modules holding @aws-sdk/client-apigatewaymanagementapi (fogbank's
// emulator/workers/node_sdk/node_modules); credentials and region come from the environment.
// The client connects (?token=let-me-in), learns its connectionId from the two-way `send` route,
// and then the SDK gets the connection, deletes it (the client sees the close) and posts to it
// afterwards (GoneException expected). The last line of stdout is one JSON object of what was
// seen, which the Python test checks.
import { createRequire } from 'node:module';
import path from 'node:path';
import WebSocket from 'ws';

const [endpoint, managementEndpoint, sdkDir] = process.argv.slice(2);
const WAIT_MS = 30000;

function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The SDK is not a dependency of this package: it is the one fogbank's Node.js workers load.
const require = createRequire(path.join(sdkDir, 'index.js'));
const {
  ApiGatewayManagementApiClient, GetConnectionCommand, DeleteConnectionCommand, PostToConnectionCommand,
  GoneException,
} = require('@aws-sdk/client-apigatewaymanagementapi');

const result = {};
try {
  const client = new ApiGatewayManagementApiClient({ endpoint: managementEndpoint, maxAttempts: 1 });
  const ws = new WebSocket(endpoint + '?token=let-me-in', { headers: { 'User-Agent': 'management-test/1.0' } });
  const firstMessage = new Promise((resolve) => ws.once('message', (data) => resolve(data.toString('utf8'))));
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await bounded(new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); }), 'open');
  ws.send(JSON.stringify({ action: 'send', text: 'who am i' }));
  const connectionId = JSON.parse(await bounded(firstMessage, 'two-way answer')).connectionId;
  result.connectionId = connectionId;

  const got = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
  result.got = {
    status: got.$metadata.httpStatusCode,
    // Dates, as the SDK parses them from the timestamp members.
    connectedAt: got.ConnectedAt instanceof Date ? got.ConnectedAt.getTime() : String(got.ConnectedAt),
    lastActiveAt: got.LastActiveAt instanceof Date ? got.LastActiveAt.getTime() : String(got.LastActiveAt),
    sourceIp: got.Identity && got.Identity.SourceIp,
    userAgent: got.Identity && got.Identity.UserAgent,
  };

  const deleted = await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  result.deleted = { status: deleted.$metadata.httpStatusCode };
  result.closed = await bounded(closed, 'close after DeleteConnection');

  try {
    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'too late' }));
    result.post_after_delete = 'accepted';
  } catch (e) {
    result.post_after_delete = {
      name: e.name,
      isGone: e instanceof GoneException,
      status: e.$metadata && e.$metadata.httpStatusCode,
    };
  }
} catch (e) {
  result.error = String((e && e.stack) || e);
}
console.log(JSON.stringify(result));
process.exit(0);
