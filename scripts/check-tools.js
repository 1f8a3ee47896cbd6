#!/usr/bin/env node
// The end-to-end tests drive the real `go` command and a git server. This makes
// sure those tools exist before mocha starts: installs them with apt-get when
// running as root (as CI does), otherwise says exactly what is missing.
"use strict";
const { execFileSync, spawnSync } = require("node:child_process");

const tools = [
  { bin: "go", pkg: "golang-go", why: "end-to-end tests run the real go command" },
  { bin: "git", pkg: "git", why: "private-module tests serve fixture modules from git" },
];

const has = (bin) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
const missing = tools.filter((t) => !has(t.bin));
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && has("apt-get")) {
  const pkgs = missing.map((t) => t.pkg);
  console.error(`modproxy: installing ${pkgs.join(", ")} with apt-get...`);
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-q", ...pkgs], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const still = missing.filter((t) => !has(t.bin));
  if (still.length === 0) process.exit(0);
  missing.splice(0, missing.length, ...still);
}
for (const t of missing) {
  console.error(`modproxy: missing '${t.bin}' (${t.why}); install it, e.g. 'apt-get install ${t.pkg}'.`);
}
process.exit(1);
