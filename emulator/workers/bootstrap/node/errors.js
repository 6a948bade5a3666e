// Error payloads and the runtime's own error types, byte for byte as AWS's Node.js runtime
// interface client (aws-lambda-nodejs-runtime-interface-client v3, src/Errors.js) builds them:
// {"errorType","errorMessage","trace"} for the Runtime API, and "Invoke Error" log lines.
'use strict';

const util = require('util');

function isErrorLike(obj) {
  return (
    obj &&
    obj.name &&
    obj.message &&
    obj.stack &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string'
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// The body posted to /error and /init/error.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

// Name, message, code and stack are not enumerable: spell them out for the log.
function withEnumerableProperties(error) {
  if (!(error instanceof Error)) return error;
  const ret = Object.assign({ errorType: error.name, errorMessage: error.message, code: error.code }, error);
  if (typeof error.stack === 'string') ret.stack = error.stack.split('\n');
  return ret;
}

// The error as it follows "Invoke Error" in the log; always starts with a tab.
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class CallbackHandlerDeprecated extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}

const runtimeErrors = {
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  CallbackHandlerDeprecated,
  NodeJsExit,
  UnhandledPromiseRejection,
};
for (const [name, cls] of Object.entries(runtimeErrors)) cls.prototype.name = `Runtime.${name}`;

module.exports = { intoError, toRapidResponse, toFormatted, ...runtimeErrors };
