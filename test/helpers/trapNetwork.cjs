// Preloaded (node --require) into a process that must not touch the network:
// every way Node opens a connection or resolves a name is replaced by a
// function that appends what was tried to the file named by
// INFLUENCE_LENS_NETWORK_LOG and throws. It also notes each thread it loads
// in, so a test can tell that worker threads were covered too.
'use strict';
const fs = require('node:fs');
const { isMainThread, threadId } = require('node:worker_threads');

const log = process.env.INFLUENCE_LENS_NETWORK_LOG;
const note = (line) => {
  if (log) fs.appendFileSync(log, `${line}\n`);
};
note(`loaded ${isMainThread ? 'main' : `worker ${threadId}`}`);

function trap(owner, name, what) {
  const original = owner[name];
  if (typeof original !== 'function') return;
  owner[name] = function trapped(...args) {
    note(`NETWORK ${what}: ${JSON.stringify(args[0] ?? null)?.slice(0, 200)}`);
    throw new Error(`network access attempted: ${what}`);
  };
}

const net = require('node:net');
const tls = require('node:tls');
const dns = require('node:dns');
const http = require('node:http');
const https = require('node:https');
const dgram = require('node:dgram');
trap(net.Socket.prototype, 'connect', 'net.Socket.connect');
trap(net, 'connect', 'net.connect');
trap(net, 'createConnection', 'net.createConnection');
trap(tls, 'connect', 'tls.connect');
trap(dns, 'lookup', 'dns.lookup');
trap(dns, 'resolve', 'dns.resolve');
trap(dns.promises, 'lookup', 'dns.promises.lookup');
trap(http, 'request', 'http.request');
trap(http, 'get', 'http.get');
trap(https, 'request', 'https.request');
trap(https, 'get', 'https.get');
trap(dgram, 'createSocket', 'dgram.createSocket');
trap(globalThis, 'fetch', 'fetch');
