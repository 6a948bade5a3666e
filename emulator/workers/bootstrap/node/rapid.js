// The Runtime API client (research doc §1). Two keep-alive agents, so that an error posted while
// a /next is pending (an exception thrown by a timer between invocations) is not queued behind it.
'use strict';

const http = require('http');
const errors = require('./errors');
const { writeAll } = require('./log');

const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

function serialize(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch (_) {
    throw new Error('Unable to stringify response body');
  }
}

// What the handler wrote with process.stdout.write is asynchronous on a pipe: let it reach the
// pipe before the answer, so that it is part of this invocation's log.
function flushStdio() {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) return Promise.resolve();
  const drained = pending.map((s) => new Promise((resolve) => s.once('drain', resolve)));
  const limit = new Promise((resolve) => setTimeout(resolve, 1000).unref());
  return Promise.race([Promise.all(drained), limit]);
}

class RapidClient {
  constructor(hostPort) {
    const [hostname, port] = hostPort.split(':');
    this.hostname = hostname;
    this.port = parseInt(port, 10);
    this.nextAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.postAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  // Resolves to {bodyJson, headers} (headers in lower case).
  nextInvocation() {
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          hostname: this.hostname,
          port: this.port,
          path: '/2018-06-01/runtime/invocation/next',
          method: 'GET',
          agent: this.nextAgent,
        },
        (response) => {
          let data = '';
          response.setEncoding('utf-8');
          response.on('data', (chunk) => (data += chunk));
          response.on('end', () => resolve({ bodyJson: data, headers: response.headers }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  // Throws 'Unable to stringify response body' (synchronously) when the result cannot be JSON.
  postInvocationResponse(result, id, callback) {
    const body = serialize(result);
    flushStdio().then(() =>
      this._post(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, body, {}, callback),
    );
  }

  postInvocationError(error, id, callback) {
    const response = errors.toRapidResponse(error);
    const body = serialize(response);
    flushStdio().then(() =>
      this._post(
        `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`,
        body,
        { [ERROR_TYPE_HEADER]: response.errorType },
        callback,
      ),
    );
  }

  postInitError(error, callback) {
    const response = errors.toRapidResponse(error);
    const body = serialize(response);
    flushStdio().then(() =>
      this._post('/2018-06-01/runtime/init/error', body, { [ERROR_TYPE_HEADER]: response.errorType }, callback),
    );
  }

  _post(path, body, headers, callback) {
    const request = http.request(
      {
        hostname: this.hostname,
        port: this.port,
        path,
        method: 'POST',
        headers: Object.assign(
          { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          headers,
        ),
        agent: this.postAgent,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf-8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          // 413 for an oversized response (the invocation has failed) or 4xx for a late answer:
          // say so, as AWS's runtime does ("LAMBDA_RUNTIME Failed to post handler success
          // response. Http response code: 413."), and go on with the next invocation.
          if (response.statusCode >= 400) {
            const what = path.endsWith('/response') ? 'handler success response' : 'error response';
            writeAll(1, `LAMBDA_RUNTIME Failed to post ${what}. Http response code: ${response.statusCode}. ${text}\n`);
          }
          callback();
        });
      },
    );
    request.on('error', (e) => {
      writeAll(2, `Runtime API request ${path} failed: ${e.message}\n`);
      callback();
    });
    request.end(body, 'utf-8');
  }
}

module.exports = RapidClient;
