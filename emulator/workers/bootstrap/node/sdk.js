// The SDKs a handler brings or gets, pointed at fogbank without editing the handler:
//   - AWS SDK for JavaScript v3 reads AWS_ENDPOINT_URL itself; fogbank's copy of it (NODE_PATH)
//     is also found by ES modules, whose imports ignore NODE_PATH (esm_resolve.mjs), as Lambda's
//     runtimes provide it to `import { DynamoDBClient } from '@aws-sdk/client-dynamodb'`;
//   - AWS SDK for JavaScript v2 (`aws-sdk`) ignores AWS_ENDPOINT_URL: when its core loads, its
//     global configuration gets the endpoint, unless the handler's code sets one itself.
'use strict';

const Module = require('module');
const path = require('path');
const { pathToFileURL } = require('url');

function isSdkV2(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.VERSION === 'string' &&
    value.VERSION.startsWith('2.') &&
    typeof value.Config === 'function' &&
    value.config instanceof value.Config
  );
}

function pointSdkV2At(endpoint) {
  const load = Module._load;
  Module._load = function (request, parent) {
    const exports = load.apply(this, arguments);
    // Only loads of aws-sdk or from inside it; each returns the SDK's AWS object once its core
    // (lib/core.js, then lib/node_loader.js, which replaces AWS.config) has run.
    const fromSdk =
      typeof request === 'string' &&
      (request === 'aws-sdk' || request.startsWith('aws-sdk/') || parent?.filename?.includes('/aws-sdk/'));
    if (fromSdk && isSdkV2(exports) && !exports.config.endpoint) exports.config.update({ endpoint });
    return exports;
  };
}

function resolveEsmFromNodePath(nodePath) {
  // A NODE_PATH entry that is a node_modules folder is searched by resolving from a file beside it.
  const parents = (nodePath || '')
    .split(path.delimiter)
    .filter((dir) => path.basename(dir) === 'node_modules')
    .map((dir) => pathToFileURL(path.join(path.dirname(dir), 'fogbank-resolve.mjs')).href);
  if (parents.length === 0 || typeof Module.register !== 'function') return;
  Module.register(pathToFileURL(path.join(__dirname, 'esm_resolve.mjs')).href, { data: { parents } });
}

function install(endpoint, nodePath) {
  if (endpoint) pointSdkV2At(endpoint);
  resolveEsmFromNodePath(nodePath);
}

module.exports = { install };
