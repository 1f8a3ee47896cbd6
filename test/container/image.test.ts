import * as assert from "node:assert/strict";
import { createServer } from "node:net";
import { containerTools, ContainerTools, Podman } from "../support/container";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream } from "../support/go-output";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { startStaticServer, StaticServer } from "../support/static-server";
import { startTestSumdb, sumdbRecordsFor, TestSumdb } from "../support/sumdb";
import { assertDownloadedSums } from "../support/sum-checks";

// The image from proxy-app/Dockerfile, run as the cluster runs it: read-only
// root file system, a volume for the cache, stopped with SIGTERM.

const TAG = "localhost/modproxy:test";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the container never became ready at ${url}`);
}

describe("the modproxy container image", function () {
  this.timeout(15 * 60_000);
  let tools: ContainerTools;
  let podman: Podman;
  let tree: GoproxyTree;
  let upstream: StaticServer;
  let sumdb: TestSumdb;
  let go: GoSandbox;
  let container: string;
  let url: string;
  const volume = `modproxy-test-cache-${process.pid}`;
  let upstreamStopped: Promise<void> | undefined;
  const stopUpstream = () => (upstreamStopped ??= upstream?.close());

  before(async function () {
    tools = await containerTools();
    podman = tools.podman;
    await tools.buildImage(TAG);
    tree = await buildGoproxyTree();
    sumdb = await startTestSumdb(sumdbRecordsFor(tree));
    upstream = await startStaticServer(tree.dir, sumdb);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    container = await podman([
      "run",
      "-d",
      "--network",
      "host",
      "--read-only",
      "-v",
      `${volume}:/var/cache/modproxy`,
      "-e",
      `PORT=${port}`,
      "-e",
      "MODPROXY_HOST=127.0.0.1",
      "-e",
      `MODPROXY_UPSTREAM=${upstream.url}`,
      "-e",
      `GOSUMDB=${sumdb.vkey}`,
      TAG,
    ]);
    await waitReady(url);
    go = await createGoSandbox(url);
  });

  after(async function () {
    if (container) await podman(["rm", "-f", container]).catch(() => undefined);
    await podman?.(["volume", "rm", "-f", volume]).catch(() => undefined);
    await stopUpstream();
    await sumdb?.close();
    await tree?.remove();
    await go?.remove();
    await tools?.cleanup();
  });

  it("runs as a non-root user", async function () {
    assert.equal(await podman(["exec", container, "node", "-e", "process.stdout.write(String(process.getuid()))"]), "65532");
  });

  it("carries the go toolchain and git it fetches private modules with", async function () {
    assert.match(await podman(["exec", container, "go", "version"]), /^go version go\d+\.\d+/);
    assert.match(await podman(["exec", container, "git", "--version"]), /^git version /);
  });

  it("serves the go command with the fixture's hashes from a read-only root file system", async function () {
    const result = await go.runOk(["mod", "download", "-json", ...tree.allVersions]);
    assertDownloadedSums(tree, parseJsonStream<DownloadedModule>(result.stdout), tree.allVersions);
  });

  it("keeps serving from its cache volume once the upstream is gone", async function () {
    await stopUpstream();
    const list = await fetch(`${url}/example.com/fixture/greet/@v/list`);
    assert.equal(list.status, 200);
    assert.deepEqual((await list.text()).trim().split("\n"), ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0-rc.1"]);
  });

  it("exits 0 on SIGTERM instead of being killed", async function () {
    await podman(["stop", "--time", "10", container]);
    assert.equal(await podman(["inspect", "--format", "{{.State.ExitCode}}", container]), "0");
  });
});
