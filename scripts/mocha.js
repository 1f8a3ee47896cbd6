#!/usr/bin/env node
// `npm test` (and test:unit, test:e2e): mocha under the Node release the
// image runs, whichever node npm was started with; scripts/ensure-node.js
// fetches it where the machine's is older. Its directory goes first on PATH,
// so what the tests start by name (node, and the proxy's workers through
// process.execPath) runs on it too. Arguments go to mocha unchanged.
"use strict";
const { spawn } = require("node:child_process");
const path = require("node:path");
const { constants } = require("node:os");
const { ensureNode, NODE_VERSION } = require("./ensure-node");

async function main() {
  const node = await ensureNode();
  const mochaPackage = require.resolve("mocha/package.json");
  const mocha = path.join(path.dirname(mochaPackage), require(mochaPackage).bin.mocha);
  console.error(`modproxy: running mocha on node ${node === process.execPath ? process.version : `v${NODE_VERSION}`} (${node})`);
  const child = spawn(node, [mocha, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}` },
  });
  // A terminal's Ctrl-C reaches mocha too; a supervisor's SIGTERM is passed on.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("close", (code, signal) => process.exit(code ?? 128 + constants.signals[signal]));
}

main().catch((err) => {
  console.error(`modproxy: ${err.message}`);
  process.exit(1);
});
