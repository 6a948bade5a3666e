// Loads the handler named by _HANDLER as AWS's Node.js runtime does (research doc §3.1; RIC v3
// src/UserFunction.js): "dir/file.export.nested" is the file dir/file (extensionless, .js as
// CommonJS unless the nearest package.json says "type": "module", then .js as an ES module, .mjs,
// .cjs, then Node's own resolution from the task root) and the export at that dotted path.
'use strict';

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const {
  HandlerNotFound,
  MalformedHandlerName,
  ImportModuleError,
  UserCodeSyntaxError,
  CallbackHandlerDeprecated,
} = require('./errors');

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

function moduleRootAndHandler(fullHandler) {
  const handler = path.basename(fullHandler);
  return [fullHandler.substring(0, fullHandler.indexOf(handler)), handler];
}

function splitHandler(handler) {
  const match = handler.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) throw new MalformedHandlerName('Bad handler');
  return [match[1], match[2]];
}

function resolveHandler(object, nested) {
  return nested.split('.').reduce((value, key) => value && value[key], object);
}

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

// Whether the nearest package.json says "type": "module" (stopping at node_modules or /).
function typeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      return JSON.parse(fs.readFileSync(pj)).type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return typeModule(path.resolve(folder, '..'));
}

async function loadModule(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequire(lambdaStylePath);
  if (extensionless) return extensionless;
  const esm = typeModule(path.dirname(lambdaStylePath));
  if (!esm) {
    const loaded = tryRequire(lambdaStylePath + '.js');
    if (loaded) return loaded;
  }
  const loaded =
    (esm && (await tryImport(lambdaStylePath + '.js'))) ||
    (await tryImport(lambdaStylePath + '.mjs')) ||
    tryRequire(lambdaStylePath + '.cjs');
  if (loaded) return loaded;
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

async function loadUserApp(appRoot, moduleRoot, module) {
  try {
    return await loadModule(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    // MODULE_NOT_FOUND from require, ERR_MODULE_NOT_FOUND from an ES module's import (AWS reports
    // both as "Runtime.ImportModuleError: Error: Cannot find package 'x' imported from ...").
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) throw new ImportModuleError(e);
    throw e;
  }
}

// Node.js 24's runtime (RIC v4) no longer calls handlers that take a callback.
const CALLBACK_DEPRECATED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

async function load(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const [moduleRoot, moduleAndHandler] = moduleRootAndHandler(fullHandler);
  const [module, handlerPath] = splitHandler(moduleAndHandler);
  const userApp = await loadUserApp(appRoot, moduleRoot, module);
  const handler = resolveHandler(userApp, handlerPath);
  if (!handler) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  if (process.env.AWS_EXECUTION_ENV === 'AWS_Lambda_nodejs24.x' && handler.length >= 3) {
    throw new CallbackHandlerDeprecated(CALLBACK_DEPRECATED);
  }
  return handler;
}

function isAsync(handler) {
  try {
    return handler.constructor && handler.constructor.name === 'AsyncFunction';
  } catch (_) {
    return false;
  }
}

module.exports = { load, isAsync };
