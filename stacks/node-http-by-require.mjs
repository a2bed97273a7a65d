// An esbuild plugin (plain JavaScript, like bundle-config.mjs, which SST's CLI loads): the bundle's ES
// imports of `node:http` become a require() of it. Why: an ES import of a builtin makes Node build its
// whole namespace, which reads every export, and node:http's WebSocket, CloseEvent and MessageEvent
// are getters that load Node's own copy of undici: 25-30 ms of every cold start and CLI run, against
// 3 ms for require() (client-node's config.js is such an import). The named exports are node:http's
// plain values; a module that imports one of its getters by name fails the build, not a cold start.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const http = require("node:http");
const VALUE_EXPORTS = Object.getOwnPropertyNames(http).filter(
  (name) => "value" in (Object.getOwnPropertyDescriptor(http, name) ?? {}) && /^[A-Za-z_$][\w$]*$/.test(name),
);

const SHIM = [
  'import { createRequire } from "node:module";',
  'const http = createRequire(import.meta.url)("node:http");',
  "export default http;",
  `export const { ${VALUE_EXPORTS.join(", ")} } = http;`,
].join("\n");

export function nodeHttpByRequire() {
  return {
    name: "homeostat-node-http-by-require",
    setup(build) {
      build.onResolve({ filter: /^(node:)?http$/ }, (args) =>
        args.kind === "import-statement" || args.kind === "dynamic-import"
          ? { path: "node:http", namespace: "homeostat-node-http" }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "homeostat-node-http" }, () => ({
        contents: SHIM,
        loader: "js",
      }));
    },
  };
}
