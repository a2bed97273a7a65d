// What client-node takes from undici — Agent and ProxyAgent (its TLS and proxy options) and fetch —
// without the rest undici's index loads at once (WebSocket, EventSource, the cache, mocks, cookies,
// every interceptor): scripts/build-cli.ts points client-node's `undici` here in the CLI bundle, which
// saves a fifth of a verb's start (undici has no smaller entry point). The paths are undici's own
// modules; a move in a new undici fails the build, it does not pass silently.
"use strict";
const Agent = require("undici/lib/dispatcher/agent");
const ProxyAgent = require("undici/lib/dispatcher/proxy-agent");
const fetchImpl = require("undici/lib/web/fetch").fetch;

/** undici's fetch, as its index exports it: failures carry the caller's stack. */
function fetch(init, options) {
  return fetchImpl(init, options).catch((error) => {
    if (error && typeof error === "object") Error.captureStackTrace(error, fetch);
    throw error;
  });
}

module.exports = { Agent, ProxyAgent, fetch };
