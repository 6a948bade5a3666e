// console.* as Lambda's Node.js runtime writes it (research doc §9.2): one line per call,
// "<ISO time>\t<request id>\t<LEVEL>\t<message>" with the message's newlines turned into "\r", or
// a JSON object per line when AWS_LAMBDA_LOG_FORMAT is JSON. Written synchronously to stdout,
// unlike AWS's runtime (which has a log descriptor of its own): fogbank reads the worker's output
// from one pipe and knows a line belongs to an invocation when it is in the pipe before the
// answer is posted.
'use strict';

const fs = require('fs');
const util = require('util');
const errors = require('./errors');

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
// A 1 ms sleep for when the pipe is full: stdout may be non-blocking once process.stdout exists.
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd, text) {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (e) {
      if (e.code !== 'EAGAIN') return; // the reader is gone: nothing to log to
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

function currentRequestId() {
  return globalThis[REQUEST_ID];
}

function setCurrentRequestId(id) {
  globalThis[REQUEST_ID] = id;
}

function jsonErrorReplacer(_, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function formatJson(level, message, params) {
  const result = { timestamp: new Date().toISOString(), level: level.name, requestId: currentRequestId() };
  if (params.length === 0) {
    result.message = message;
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch (_) {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  const all = [message, ...params];
  result.message = util.format(...all);
  const error = all.find((p) => p instanceof Error);
  if (error) {
    result.errorType = error?.constructor?.name ?? 'UnknownError';
    result.errorMessage = error.message;
    result.stackTrace = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  }
  return JSON.stringify(result);
}

const LEVELS = {
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
};

const structuredConsole = {};

function patchConsole() {
  const json = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const log = (level, message, ...params) => {
    const line = json
      ? formatJson(level, message, params)
      : `${new Date().toISOString()}\t${currentRequestId()}\t${level.name}\t${util.format(message, ...params)}`;
    writeAll(1, line.replace(/\n/g, '\r') + '\n');
  };
  const minimum = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const at = (level) => (level.priority >= minimum.priority ? (msg, ...params) => log(level, msg, ...params) : () => {});
  console.trace = at(LEVELS.TRACE);
  console.debug = at(LEVELS.DEBUG);
  console.info = at(LEVELS.INFO);
  console.log = console.info;
  console.warn = at(LEVELS.WARN);
  console.error = at(LEVELS.ERROR);
  console.fatal = (msg, ...params) => log(LEVELS.FATAL, msg, ...params);
  structuredConsole.logError = json
    ? (_, err) => console.error(errors.intoError(err))
    : (msg, err) => console.error(msg, errors.toFormatted(errors.intoError(err)));
}

module.exports = { patchConsole, setCurrentRequestId, structuredConsole, writeAll };
