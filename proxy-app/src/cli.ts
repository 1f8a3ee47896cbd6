#!/usr/bin/env node
import { parseArgs } from "node:util";
import { startProxy, TlsFileError } from "./app";
import { TokenFileError } from "./auth";
import { ConfigError, loadConfig, ProxyConfig, SETTINGS } from "./config";
import { goToolchainDefaultProxy } from "./go-toolchain";
import { NetrcFileError } from "./netrc";
import { UpstreamListError } from "./upstream/chain";
import { EgressConfigError } from "./upstream/egress";
import { GoDirectSetupError } from "./upstream/go-direct";

const USAGE = `modproxy: a private Go module proxy

Usage:
  modproxy serve [flags]    serve the GOPROXY protocol, caching every module it serves
  modproxy --help           this text

Flags of serve (each also read from its environment variable; a flag wins):
${SETTINGS.map((s) => `  ${`${s.flag} <value>`.padEnd(26)} ${s.env}: ${s.description} (default: ${s.defaultText ?? s.default})`).join("\n")}
`;

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
    process.stdout.write(USAGE);
    return verb === undefined ? 2 : 0;
  }
  if (verb !== "serve") {
    process.stderr.write(`modproxy: unknown command "${verb}"\n\n${USAGE}`);
    return 2;
  }
  const options = Object.fromEntries(SETTINGS.map((s) => [s.flag.slice(2), { type: "string" as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (err) {
    process.stderr.write(`modproxy serve: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const flags: Partial<Record<keyof ProxyConfig, string>> = {};
  for (const s of SETTINGS) {
    const v = values[s.flag.slice(2)];
    if (typeof v === "string") flags[s.key] = v;
  }

  let config: ProxyConfig;
  try {
    config = loadConfig(process.env, flags, { defaultUpstream: goToolchainDefaultProxy });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UpstreamListError) {
      process.stderr.write(`modproxy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    proxy = await startProxy(config, log);
  } catch (err) {
    if (
      err instanceof TokenFileError ||
      err instanceof TlsFileError ||
      err instanceof GoDirectSetupError ||
      err instanceof NetrcFileError ||
      err instanceof EgressConfigError
    ) {
      process.stderr.write(`modproxy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(
    `modproxy serving on ${proxy.url} (storage: ${describeStorage(config)}, upstream: ${config.upstream})\n` +
      `Point the go command at it with:\n  export GOPROXY=${proxy.url}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: finishing requests in flight, then exiting`);
      proxy.close().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}

function describeStorage(config: ProxyConfig): string {
  return config.storage === "s3" ? `s3://${config.s3Bucket}/${config.s3Prefix ?? ""}` : config.storageDir;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`modproxy: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
