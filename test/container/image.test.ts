import * as assert from "node:assert/strict";
import { createServer } from "node:net";
import { containerTools, ContainerTools, Podman } from "../support/container";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream } from "../support/go-output";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { startStaticServer, StaticServer } from "../support/static-server";
import { startTestSumdb, sumdbRecordsFor, TestSumdb } from "../support/sumdb";
import { assertDownloadedSums } from "../support/sum-checks";

// The images from proxy-app/Dockerfile, run as the cluster runs them: read-only
// root file system, a volume for the cache, stopped with SIGTERM. The full image
// (the default target) fetches private modules with go and git; the slim one
// (--target slim) carries neither and serves from proxies only.

const FULL = "localhost/modproxy:test";
const SLIM = "localhost/modproxy:test-slim";
/** The Node release line the images run. */
const NODE_MAJOR = 24;

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

const megabytes = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

describe("the modproxy container images", function () {
  this.timeout(15 * 60_000);
  let tools: ContainerTools;

  before(async function () {
    tools = await containerTools();
    // Slim first: the full image is built on it and reuses its layers.
    await tools.buildImage(SLIM, "slim");
    await tools.buildImage(FULL);
  });

  after(async function () {
    await tools?.cleanup();
  });

  it("the slim image is smaller than the full one by the go toolchain at least", async function () {
    const [full, slim] = [await tools.imageSize(FULL), await tools.imageSize(SLIM)];
    console.log(`      image sizes: full ${megabytes(full)}, slim ${megabytes(slim)}`);
    const goroot = await tools.podman(["run", "--rm", "--network", "none", "--entrypoint", "du", FULL, "-sb", "/usr/local/go"]);
    assert.ok(full - slim >= Number(goroot.split(/\s/)[0]), `full ${full} bytes, slim ${slim} bytes, go toolchain ${goroot}`);
  });

  it("the slim image has no go, git or ssh", async function () {
    for (const bin of ["go", "git", "ssh"]) {
      const r = await tools.podmanResult(["run", "--rm", "--network", "none", "--entrypoint", "sh", SLIM, "-c", `command -v ${bin}`]);
      assert.notEqual(r.code, 0, `${bin} found in the slim image at ${r.stdout}`);
      assert.equal(r.stdout, "");
    }
  });

  it("the slim image refuses to start, in one line, when told to fetch from version control", async function () {
    const port = await freePort();
    const env = [`PORT=${port}`, "MODPROXY_UPSTREAM=https://proxy.corp.example", "GOPRIVATE=git.corp.example"];
    const r = await tools.podmanResult(["run", "--rm", "--network", "host", ...env.flatMap((e) => ["-e", e]), SLIM]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      "modproxy: fetching modules from version control (GOPRIVATE=git.corp.example) needs go on PATH (spawn go ENOENT); " +
        "the slim image has neither go nor git: run the full one\n",
    );
  });

  for (const [variant, tag] of [
    ["full", FULL],
    ["slim", SLIM],
  ] as const) {
    describe(`the ${variant} image, run`, function () {
      let podman: Podman;
      let tree: GoproxyTree;
      let upstream: StaticServer;
      let sumdb: TestSumdb;
      let go: GoSandbox;
      let container: string;
      let url: string;
      const volume = `modproxy-test-cache-${variant}-${process.pid}`;
      let upstreamStopped: Promise<void> | undefined;
      const stopUpstream = () => (upstreamStopped ??= upstream?.close());

      before(async function () {
        podman = tools.podman;
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
          tag,
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
      });

      it(`runs on node ${NODE_MAJOR} as a non-root user`, async function () {
        const said = await podman(["exec", container, "node", "-p", "`${process.versions.node} ${process.getuid()}`"]);
        const [version, uid] = said.split(" ");
        assert.equal(Number(version.split(".")[0]), NODE_MAJOR, said);
        assert.equal(uid, "65532");
      });

      if (variant === "full") {
        it("carries the go toolchain and git it fetches private modules with", async function () {
          assert.match(await podman(["exec", container, "go", "version"]), /^go version go\d+\.\d+/);
          assert.match(await podman(["exec", container, "git", "--version"]), /^git version /);
        });
      }

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
  }
});
