import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunningProxy, startProxy } from "../../proxy-app/src/app";
import { ProxyConfig } from "../../proxy-app/src/config";
import type { Logs } from "../../proxy-app/src/logs";
import { buildGoproxyTree, GoproxyTree } from "./goproxy-tree";
import { startStaticServer, StaticServer } from "./static-server";
import { startTestSumdb, sumdbRecordsFor, TestSumdb } from "./sumdb";

// One modproxy, started in-process, in front of a fixture upstream on
// loopback. Its storage directory is a subdirectory of a temp root, so tests
// can watch the root for anything written outside storage.

/** What the proxy is pointed at: the static server, or a test's own upstream over the same tree. */
export interface FixtureUpstream {
  url: string;
  close(): Promise<void>;
}

export interface ModproxyOverFixtures<U extends FixtureUpstream = StaticServer> {
  tree: GoproxyTree;
  upstream: U;
  /** The checksum database vouching for the fixtures, served through the fixture upstream at /sumdb/<name>/ (absent with `sumdb: false`). */
  sumdb?: TestSumdb;
  /** The proxy now running: the first one, or the one restartProxy started. */
  readonly proxy: RunningProxy;
  /** The temp directory holding storageDir (and nothing the proxy should touch). */
  root: string;
  storageDir: string;
  /** Where the proxy spools zips while it checks them: under root, so a test sees what is left behind. */
  spoolDir: string;
  /** Stops the fixture upstream (idempotent), so later requests find nobody listening. */
  stopUpstream(): Promise<void>;
  /**
   * Stops the proxy and starts another on the same storage, as an operator
   * restarts it, with `config` over the first one's settings (in-memory state
   * such as fresh list answers and upstream health starts anew).
   */
  restartProxy(config: Partial<ProxyConfig>, log?: (msg: string) => void): Promise<RunningProxy>;
  stop(): Promise<void>;
}

export interface ModproxyOptions<U extends FixtureUpstream = StaticServer> {
  upstreamTimeoutMs: number;
  /** Starts the upstream over the tree (and the database, forwarded at /sumdb/<name>/); by default the static server. */
  startUpstream?: (tree: GoproxyTree, sumdb: TestSumdb | undefined) => Promise<U>;
  /** The proxy's upstream setting given the fixture upstream's URL; by default just that URL. */
  upstreamList?: (fixtureUrl: string) => string;
  /** Further settings (auth, TLS, GOPRIVATE, GOSUMDB...); by default none. */
  config?: Partial<ProxyConfig>;
  /** Environment added to the proxy's go command when it fetches from version control. */
  directEnv?: Record<string, string>;
  /**
   * Whether a checksum database of the fixtures stands behind the upstream, as
   * the public database stands behind the public proxy; default true. The
   * proxy is told its key (GOSUMDB=<vkey>) unless `config.goSumDb` says otherwise.
   */
  sumdb?: boolean;
  /** Receives the proxy's log lines; by default they are dropped. */
  log?: (msg: string) => void;
  /** The access and audit logs; by default there are none. */
  logs?: Logs;
}

export async function startModproxyOverFixtures<U extends FixtureUpstream = StaticServer>(options: ModproxyOptions<U>): Promise<ModproxyOverFixtures<U>> {
  const tree = await buildGoproxyTree();
  const sumdb = options.sumdb === false ? undefined : await startTestSumdb(sumdbRecordsFor(tree));
  // Without startUpstream, U is its default, StaticServer.
  const upstream = (await (options.startUpstream ?? ((t, db) => startStaticServer(t.dir, db) as Promise<FixtureUpstream>))(tree, sumdb)) as U;
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-e2e-"));
  const storageDir = path.join(root, "storage");
  await fs.mkdir(storageDir);
  const spoolDir = path.join(root, "spool");
  const config: ProxyConfig = {
    host: "127.0.0.1",
    port: 0,
    storageDir,
    upstream: options.upstreamList?.(upstream.url) ?? upstream.url,
    upstreamTimeoutMs: options.upstreamTimeoutMs,
    goSumDb: sumdb?.vkey,
    spoolDir,
    ...options.config,
  };
  let proxy = await startProxy(config, options.log, { directEnv: options.directEnv, logs: options.logs });
  let upstreamStopped: Promise<void> | undefined;
  const stopUpstream = () => (upstreamStopped ??= upstream.close());
  return {
    tree,
    upstream,
    sumdb,
    get proxy() {
      return proxy;
    },
    root,
    storageDir,
    spoolDir,
    stopUpstream,
    async restartProxy(changes, log) {
      await proxy.close();
      proxy = await startProxy({ ...config, ...changes }, log, { directEnv: options.directEnv, logs: options.logs });
      return proxy;
    },
    async stop() {
      await proxy.close();
      await stopUpstream();
      await sumdb?.close();
      await tree.remove();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
