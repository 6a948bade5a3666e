// fogbank's bootstrap for Node.js functions: the counterpart of Lambda's /var/runtime/index.mjs.
// Standard library only, so that a handler's own dependencies never collide with it. It patches
// console, pins the clock and randomness in deterministic runs, points the AWS SDKs at fogbank,
// loads _HANDLER from LAMBDA_TASK_ROOT and serves invocations from AWS_LAMBDA_RUNTIME_API.
'use strict';

// fogbank's settings for the module's own initialization; not left for the handler to see.
const settings = {
  deterministic: process.env._FOGBANK_DETERMINISTIC === '1',
  initTime: process.env._FOGBANK_INIT_TIME_MS,
  initSeed: process.env._FOGBANK_INIT_SEED,
};
for (const name of Object.keys(process.env)) {
  if (name.startsWith('_FOGBANK_')) delete process.env[name];
}

const log = require('./log');
log.patchConsole();
require('./determinism').install(settings);
require('./sdk').install(process.env.AWS_ENDPOINT_URL, process.env.NODE_PATH);

const errors = require('./errors');
const loader = require('./loader');
const RapidClient = require('./rapid');
const { Runtime, beforeExit } = require('./runtime');

async function main() {
  const client = new RapidClient(process.env.AWS_LAMBDA_RUNTIME_API);
  // Until the first invocation, an uncaught error is an init error (AWS: exit 129, or 128 for a
  // rejection); Runtime replaces these for each invocation.
  const errorCallbacks = {
    uncaughtException: (error) => client.postInitError(error, () => process.exit(129)),
    unhandledRejection: (error) => client.postInitError(error, () => process.exit(128)),
  };
  process.on('uncaughtException', (error) => {
    log.structuredConsole.logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new errors.UnhandledPromiseRejection(reason, promise);
    log.structuredConsole.logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  beforeExit.reset();
  process.on('beforeExit', beforeExit.invoke);

  // Create the stdio streams now rather than in the middle of an invocation (rapid.js waits for
  // them to drain before each answer).
  void process.stdout;
  void process.stderr;

  const handler = await loader.load(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
  new Runtime(client, handler, loader.isAsync(handler), errorCallbacks).scheduleIteration();
}

main().catch((error) => {
  // Loading failed (Runtime.ImportModuleError, HandlerNotFound, a syntax error, or what the
  // module threw): reported as Lambda reports init errors.
  const client = new RapidClient(process.env.AWS_LAMBDA_RUNTIME_API);
  log.structuredConsole.logError('Uncaught Exception', error);
  client.postInitError(error, () => process.exit(129));
});
