// Deterministic runs (research doc D13; fogbank's design, "Determinism is designed in"):
//   - the clock: on a manual clock, Date and Date.now() read the service time of the invocation
//     (Fogbank-Service-Time-Ms on /next), standing still while the handler runs;
//   - randomness: with a seed (Fogbank-Random-Seed), Math.random, crypto.randomUUID,
//     crypto.randomBytes / randomFillSync / randomFill / randomInt and getRandomValues (also
//     globalThis.crypto's) draw from a generator seeded per invocation.
//   - concurrent HTTP requests: agents made without their own maxSockets (Node's global ones, the
//     AWS SDK v2's) send one request at a time, so that calls started together (a Promise.all over
//     connections) complete, and log, in the order they were made.
// Not pinned: performance.now(), process.hrtime(), timers (setTimeout runs in real time), the
// order in which other concurrent I/O completes (agents with their own maxSockets, such as the AWS
// SDK v3's), and randomness of native code (TLS, crypto.generateKey*).
// Module initialization (before the first invocation) sees the first invocation's time and seed.
'use strict';

const crypto = require('crypto');

const RealDate = Date;
const realRandom = Math.random;
let frozenAt = null; // epoch milliseconds, or null for the real clock
let next32 = null; // the seeded generator, or null for real randomness

// ---- the clock -------------------------------------------------------------------------------------

function FogbankDate(...args) {
  const now = frozenAt ?? RealDate.now();
  if (!new.target) return new RealDate(now).toString(); // Date() called as a function
  return Reflect.construct(RealDate, args.length === 0 ? [now] : args, new.target);
}
// Same prototype: every Date, ours or one made by native code (fs.Stats), is an instance of both.
FogbankDate.prototype = RealDate.prototype;
Object.setPrototypeOf(FogbankDate, RealDate); // Date.parse, Date.UTC
Object.defineProperty(FogbankDate, 'name', { value: 'Date' });
FogbankDate.now = () => frozenAt ?? RealDate.now();

// ---- randomness -------------------------------------------------------------------------------------

// xoshiro128** seeded through splitmix64 from the 64-bit seed: small, fast and well distributed.
function generator(seed) {
  let x = BigInt.asUintN(64, BigInt(seed));
  const splitmix = () => {
    x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
    let z = x;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  const a = splitmix();
  const b = splitmix();
  const s = new Uint32Array([Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n)]);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  const rotl = (v, k) => (v << k) | (v >>> (32 - k));
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
}

function fill(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  for (let i = 0; i < bytes.length; i += 4) {
    let word = next32();
    for (let j = i; j < Math.min(i + 4, bytes.length); j++, word >>>= 8) bytes[j] = word & 0xff;
  }
  return view;
}

function uuid() {
  const b = fill(Buffer.alloc(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function patchRandom() {
  Math.random = () => (next32 ? (next32() * 0x200000 + (next32() >>> 11)) / 2 ** 53 : realRandom());
  const real = {
    randomBytes: crypto.randomBytes,
    randomFillSync: crypto.randomFillSync,
    randomFill: crypto.randomFill,
    randomUUID: crypto.randomUUID,
    randomInt: crypto.randomInt,
  };
  const seeded = (name, fn) =>
    function (...args) {
      return next32 ? fn(...args) : real[name].apply(crypto, args);
    };
  crypto.randomBytes = seeded('randomBytes', (size, callback) => {
    const buf = fill(Buffer.alloc(size));
    if (typeof callback !== 'function') return buf;
    process.nextTick(callback, null, buf);
  });
  crypto.randomFillSync = seeded('randomFillSync', (buf, offset = 0, size) => {
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    fill(bytes.subarray(offset, size === undefined ? undefined : offset + size));
    return buf;
  });
  crypto.randomFill = seeded('randomFill', (buf, ...rest) => {
    const callback = rest.pop();
    crypto.randomFillSync(buf, ...rest);
    process.nextTick(callback, null, buf);
  });
  crypto.randomUUID = seeded('randomUUID', () => uuid());
  crypto.randomInt = seeded('randomInt', (min, max, callback) => {
    if (max === undefined || typeof max === 'function') [min, max, callback] = [0, min, max];
    const range = max - min;
    // Rejection sampling over 48 bits, as Node's own.
    const limit = 2 ** 48 - (2 ** 48 % range);
    let value;
    do value = next32() * 0x10000 + (next32() >>> 16);
    while (value >= limit);
    const result = min + (value % range);
    if (typeof callback !== 'function') return result;
    process.nextTick(callback, null, result);
  });
  // crypto.getRandomValues is a fixed getter for webcrypto's, which the override below covers.
  const web = crypto.webcrypto;
  const webGet = web.getRandomValues.bind(web);
  const webUuid = web.randomUUID.bind(web);
  Object.defineProperty(web, 'getRandomValues', {
    value: (view) => (next32 ? fill(view) : webGet(view)),
    configurable: true,
    writable: true,
  });
  Object.defineProperty(web, 'randomUUID', {
    value: () => (next32 ? uuid() : webUuid()),
    configurable: true,
    writable: true,
  });
  // `import { randomUUID } from 'node:crypto'` reads the module's exports as they are now.
  require('module').syncBuiltinESMExports();
}

// ---- settings ----------------------------------------------------------------------------------------

let clockPinned = false;
let randomPatched = false;

// At start-up, before the handler's module loads.
function install({ deterministic, initTime, initSeed }) {
  if (deterministic) {
    // Agents made from now on take it as their default; the global ones exist already. The SDK v2's
    // https agent reads the global one's (aws-sdk/lib/http/node.js, getAgent).
    require('http').Agent.defaultMaxSockets = 1;
    require('http').globalAgent.maxSockets = 1;
    require('https').globalAgent.maxSockets = 1;
    clockPinned = true;
    globalThis.Date = FogbankDate;
    if (initTime !== undefined) frozenAt = Number(initTime);
  }
  if (deterministic || initSeed !== undefined) {
    randomPatched = true;
    patchRandom();
    if (initSeed !== undefined) next32 = generator(initSeed);
  }
}

// With each invocation's /next headers.
function onInvocation(serviceTimeMs, seed) {
  if (clockPinned && serviceTimeMs !== undefined) frozenAt = Number(serviceTimeMs);
  if (randomPatched) next32 = seed !== undefined ? generator(seed) : null;
}

module.exports = { install, onInvocation };
