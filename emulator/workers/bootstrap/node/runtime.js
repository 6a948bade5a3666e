// The invoke loop, the context object and the callback semantics of AWS's Node.js runtime (RIC
// v3: src/Runtime.js, CallbackContext.js, InvokeContext.js, BeforeExitListener.js): async
// handlers answer when their promise settles; callback handlers when the callback is called and,
// unless context.callbackWaitsForEmptyEventLoop is false, the event loop has drained; a sync
// handler that never calls back answers null when the loop drains; an async one whose promise
// never settles fails with Runtime.NodeJsExit.
'use strict';

const { NodeJsExit } = require('./errors');
const { setCurrentRequestId, structuredConsole } = require('./log');
const determinism = require('./determinism');

const BEFORE_EXIT = Symbol.for('aws.lambda.beforeExit');
const beforeExit = {
  invoke: () => globalThis[BEFORE_EXIT](),
  reset: () => (globalThis[BEFORE_EXIT] = () => {}),
  set: (listener) => (globalThis[BEFORE_EXIT] = listener),
};

function parseJson(text, name) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

// The parts of the context object that come from the environment and the /next headers.
function invokeData(headers) {
  const deadline = headers['lambda-runtime-deadline-ms'];
  if (headers['lambda-runtime-trace-id']) {
    process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  } else {
    delete process.env._X_AMZN_TRACE_ID;
  }
  return {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJson(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJson(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

// callback, the succeed/fail/done part of the context, and a function that marks the invocation
// answered. Only the first of callback/succeed/fail/done counts.
function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, callback) => {
    structuredConsole.logError('Invoke Error', err);
    client.postInvocationError(err, id, callback);
  };
  let completed = false;
  const complete = (result, callback) => {
    if (completed) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    client.postInvocationResponse(result, id, callback);
  };
  let waitForEmptyEventLoop = true;
  const callback = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExit.set(() => setImmediate(() => complete(result, scheduleNext)));
    }
  };
  const done = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: (result) => done(null, result),
    fail: (err) => (err === undefined || err === null ? done('handled') : done(err, null)),
    done,
  };
  // A call that throws (a result that cannot be JSON) does not count as the first.
  let finished = false;
  const once = (fn) =>
    function () {
      if (!finished) {
        fn.apply(null, arguments);
        finished = true;
      }
    };
  context.succeed = once(context.succeed);
  context.fail = once(context.fail);
  context.done = once(context.done);
  return [once(callback), context, () => (completed = true)];
}

function isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

class Runtime {
  constructor(client, handler, isAsync, errorCallbacks) {
    this.client = client;
    this.handler = handler;
    this.isAsync = isAsync;
    this.errorCallbacks = errorCallbacks;
  }

  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(
        () => {},
        (err) => {
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  async handleOnce() {
    let next;
    try {
      next = await this.client.nextInvocation();
    } catch (e) {
      // The Runtime API is gone: fogbank stopped this worker.
      process.exit(1);
    }
    const { bodyJson, headers } = next;
    const id = headers['lambda-runtime-aws-request-id'];
    setCurrentRequestId(id);
    determinism.onInvocation(headers['fogbank-service-time-ms'], headers['fogbank-random-seed']);
    const [callback, callbackContext, markCompleted] = buildCallbackContext(this.client, id, () =>
      this.scheduleIteration(),
    );
    try {
      this.setErrorCallbacks(id);
      this.setDefaultExitListener(id, markCompleted);
      const result = this.handler(JSON.parse(bodyJson), Object.assign(callbackContext, invokeData(headers)), callback);
      if (isPromise(result)) result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
    } catch (err) {
      callback(err);
    }
  }

  // An exception nobody catches fails the invocation, and the process exits as AWS's does
  // (129, or 128 for an unhandled rejection); fogbank then starts a new worker.
  setErrorCallbacks(id) {
    this.errorCallbacks.uncaughtException = (error) =>
      this.client.postInvocationError(error, id, () => process.exit(129));
    this.errorCallbacks.unhandledRejection = (error) =>
      this.client.postInvocationError(error, id, () => process.exit(128));
  }

  setDefaultExitListener(id, markCompleted) {
    beforeExit.set(() => {
      markCompleted();
      if (this.isAsync) {
        const error = new NodeJsExit();
        structuredConsole.logError('Invoke Error', error);
        this.client.postInvocationError(error, id, () => this.scheduleIteration());
      } else {
        this.client.postInvocationResponse(null, id, () => this.scheduleIteration());
      }
    });
  }
}

module.exports = { Runtime, beforeExit };
