#!/usr/bin/env node
// The end-to-end tests drive the real `go` command (and git, for private
// modules), the image test builds and
// runs the container with buildah and podman, the S3 storage tests run
// moto's S3-compatible server, and the sumdb tests run a Go checksum database
// built from test/fixtures/sumdb-server, the admission tests run etcd and
// kube-apiserver built from test/fixtures/etcd and test/fixtures/kube-apiserver,
// and the engine tests the Pulumi CLI built from test/fixtures/pulumi-cli;
// the catalog page test drives Debian's chromium.
// This makes sure those exist before mocha starts: installs system packages
// with apt-get when running as root (as CI does), otherwise says exactly what
// is missing; then installs moto into a venv of its own and builds the Go
// programs, once each.
//
// `check-tools.js --moto-python` (or --kubernetes-validate-python) checks only
// what that tool needs and prints its venv's python, so test/support/s3-server.ts
// finds moto where this put it;
// `check-tools.js --sumdb-server` (or --etcd, --kube-apiserver, --pulumi-cli) likewise
// builds only that program and prints its binary for the tests' helpers.
"use strict";
const { execFileSync, spawn, spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

// Outside the checkout so clean clones and worktrees share one install; named
// by the version so changing the pin installs afresh.
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "modproxy");
// Python tools, each in a venv of its own named by its pin; `--<flag>` prints the venv's python
// (run the tool as `python -m`: the venv is built under another name, which its scripts' #! lines keep).
const PYTHON_TOOLS = [
  { flag: "--moto-python", name: "moto", version: "5.2.5", requirement: "moto[server]==5.2.5", why: "S3 storage tests" },
  {
    flag: "--kubernetes-validate-python",
    name: "kubernetes-validate",
    version: "1.37.0",
    requirement: "kubernetes-validate==1.37.0",
    why: "manifest checks",
  },
].map((t) => ({ ...t, venv: path.join(cacheDir, `${t.name}-venv-${t.version}`) }));
const FIXTURES = path.resolve(__dirname, "..", "test", "fixtures");
// `pkg` is what `go build` builds in the wrapper module `dir`; the cold build times were measured on 2 cores.
const GO_PROGRAMS = [
  { flag: "--sumdb-server", name: "sumdb-server", dir: "sumdb-server", pkg: ".", why: "sumdb tests", coldBuild: "seconds" },
  { flag: "--etcd", name: "etcd", dir: "etcd", pkg: ".", why: "admission tests (the API server's storage)", coldBuild: "about a minute" },
  {
    flag: "--kube-apiserver",
    name: "kube-apiserver",
    dir: "kube-apiserver",
    pkg: "k8s.io/kubernetes/cmd/kube-apiserver",
    // What /version reports; the emulated Kubernetes version comes from the source itself.
    ldflags: "-X k8s.io/component-base/version.gitVersion=v1.37.2",
    why: "admission tests",
    coldBuild: "about 11 minutes",
  },
  {
    flag: "--kube-score",
    name: "kube-score",
    dir: "kube-score",
    pkg: "github.com/zegl/kube-score/cmd/kube-score",
    why: "manifest checks",
    coldBuild: "about a minute",
  },
  {
    flag: "--pulumi-cli",
    name: "pulumi",
    dir: "pulumi-cli",
    pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
    // The CLI checks plugin and SDK versions against its own.
    ldflags: "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.277.0",
    why: "engine tests",
    coldBuild: "about 9 minutes",
  },
];

const has = (bin) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
// Debian ships venv's ensurepip separately (python3-venv); without it `python3 -m venv` fails.
const hasPythonVenv = () => spawnSync("python3", ["-c", "import ensurepip, venv"], { stdio: "ignore" }).status === 0;

const onlyPython = PYTHON_TOOLS.find((t) => process.argv.includes(t.flag));
const onlyProgram = GO_PROGRAMS.find((p) => process.argv.includes(p.flag));
const tools = [
  { name: "go", present: () => has("go"), pkgs: ["golang-go"], why: "end-to-end tests run the real go command" },
  {
    name: "git",
    present: () => has("git"),
    pkgs: ["git"],
    why: "private-module tests serve repositories with git http-backend, which the proxy's go command fetches with git",
  },
  {
    name: "buildah, podman, runc",
    present: () => ["buildah", "podman", "runc"].every(has),
    pkgs: ["buildah", "podman", "runc"],
    why: "the image test builds proxy-app/Dockerfile and runs it",
  },
  {
    name: "debootstrap",
    present: () => has("debootstrap"),
    pkgs: ["debootstrap"],
    why: "scripts/seed-base-image.sh makes the Dockerfile's base image where none can be pulled",
  },
  {
    name: "chromium",
    present: () => has("chromium"),
    pkgs: ["chromium"],
    why: "the catalog page test opens /ui/ in a headless Chromium (driven by puppeteer-core)",
  },
  {
    name: "python3 with venv",
    present: hasPythonVenv,
    pkgs: ["python3", "python3-venv"],
    why: "S3 storage tests run moto's S3 server, and manifest checks kubernetes-validate, from Python venvs",
  },
].filter((t) => (!onlyPython || t.name.startsWith("python3")) && (!onlyProgram || t.name === "go"));

main().catch((err) => {
  console.error(`modproxy: ${err.message}`);
  process.exit(1);
});

async function main() {
  ensureSystemTools();
  if (!onlyProgram) {
    for (const tool of onlyPython ? [onlyPython] : PYTHON_TOOLS) {
      const bin = ensureVenv(tool);
      if (onlyPython) process.stdout.write(`${bin}\n`);
    }
  }
  if (onlyPython) return;
  for (const program of onlyProgram ? [onlyProgram] : GO_PROGRAMS) {
    const binary = await ensureGoProgram(program);
    if (onlyProgram) process.stdout.write(`${binary}\n`);
  }
}

function ensureSystemTools() {
  let missing = tools.filter((t) => !t.present());
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && has("apt-get")) {
    const pkgs = missing.flatMap((t) => t.pkgs);
    console.error(`modproxy: installing ${pkgs.join(", ")} with apt-get...`);
    execFileSync("apt-get", ["update", "-q"], { stdio: ["ignore", 2, 2] });
    execFileSync("apt-get", ["install", "-y", "-q", ...pkgs], { stdio: ["ignore", 2, 2], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    missing = missing.filter((t) => !t.present());
    if (missing.length === 0) return;
  }
  for (const t of missing) {
    console.error(`modproxy: missing ${t.name} (${t.why}); install it, e.g. 'apt-get install ${t.pkgs.join(" ")}'.`);
  }
  process.exit(1);
}

/** Installs a Python tool into its own venv unless there; returns the venv's python. */
function ensureVenv(tool) {
  const bin = path.join(tool.venv, "bin", "python");
  if (fs.existsSync(bin)) return bin;
  console.error(`modproxy: installing ${tool.requirement} into ${tool.venv} (about a minute, once)...`);
  // Built beside its final place and renamed, so a concurrent or interrupted run never leaves a half venv there.
  const building = `${tool.venv}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(tool.venv), { recursive: true });
  fs.rmSync(building, { recursive: true, force: true });
  try {
    execFileSync("python3", ["-m", "venv", building], { stdio: ["ignore", 2, 2] });
    execFileSync(path.join(building, "bin", "python"), ["-m", "pip", "install", "-q", "--disable-pip-version-check", tool.requirement], {
      stdio: ["ignore", 2, 2],
    });
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true });
    console.error(`modproxy: could not install ${tool.requirement} (${tool.why} need it): ${err.message}`);
    process.exit(1);
  }
  try {
    fs.renameSync(building, tool.venv);
  } catch (err) {
    // Another run finished first; its venv is as good as ours.
    fs.rmSync(building, { recursive: true, force: true });
    if (!fs.existsSync(bin)) throw err;
  }
  return bin;
}

/** Builds a wrapper module of test/fixtures unless a binary of the same sources exists; returns the binary's path. */
async function ensureGoProgram(program) {
  const source = path.join(FIXTURES, program.dir);
  // Named by a hash of the sources and build flags, so editing them (or a pin) builds afresh.
  const sources = fs
    .readdirSync(source)
    .filter((f) => /^(go\.mod|go\.sum|.*\.go)$/.test(f))
    .sort();
  const hash = crypto.createHash("sha256").update(`${program.pkg}\0${program.ldflags ?? ""}\0`);
  for (const file of sources)
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(source, file)))
      .update("\0");
  const binary = path.join(cacheDir, `${program.name}-${hash.digest("hex").slice(0, 16)}`);
  if (fs.existsSync(binary)) return binary;
  console.error(`modproxy: building ${program.name} into ${binary} (once; ${program.coldBuild} of CPU cold)...`);
  const building = `${binary}.${process.pid}.tmp`;
  fs.mkdirSync(cacheDir, { recursive: true });
  // The user's GOFLAGS, workspace or toolchain switching must not change what gets built;
  // go.sum pins every dependency, fetched through the user's own GOPROXY.
  const env = { ...process.env, GOFLAGS: "-mod=readonly -buildvcs=false -trimpath", GOWORK: "off", GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
  const args = ["build", "-v", "-o", building, ...(program.ldflags ? ["-ldflags", program.ldflags] : []), program.pkg];
  const started = Date.now();
  try {
    // Niced, so a cold build leaves the machine usable; -v names each package compiled, counted as progress.
    await run(has("nice") ? "nice" : "go", has("nice") ? ["-n", "10", "go", ...args] : args, { cwd: source, env }, program.name, started);
  } catch (err) {
    fs.rmSync(building, { force: true });
    throw new Error(`could not build ${source} (${program.why} need it): ${err.message}`);
  }
  // Renamed into place, so a concurrent or interrupted run never leaves half a binary there.
  fs.renameSync(building, binary);
  console.error(`modproxy: built ${program.name} in ${seconds(started)}s`);
  return binary;
}

/** Runs a `go build -v`, printing every 30 seconds how many packages it has compiled; keeps errors for the message. */
function run(command, args, options, name, started) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "ignore", "pipe"] });
    let compiled = 0;
    let tail = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      compiled += chunk.split("\n").filter((line) => /^[\w.-]+(\/[\w.~-]+)*$/.test(line)).length;
      tail = (tail + chunk).slice(-4000);
    });
    const ticker = setInterval(() => console.error(`modproxy: building ${name}: ${compiled} packages compiled, ${seconds(started)}s`), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${tail}`));
    });
  });
}

function seconds(since) {
  return Math.round((Date.now() - since) / 1000);
}
