import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { RunningProxy, startProxy } from "../../proxy-app/src/app";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";
import { rawRequest } from "../support/raw-http";
import { S3_TEST_ENV, S3TestServer, startS3Server } from "../support/s3-server";
import { startStaticServer, StaticServer } from "../support/static-server";
import { startTestSumdb, sumdbRecordsFor, TestSumdb } from "../support/sumdb";

// Many clients asking at once for a version file nobody has yet: the proxy
// must ask its upstream once and give every client the same bytes. On S3,
// two replicas sharing only the bucket may each ask once, no more, and
// leave one object.

const N = 200;
const FILE = "/example.com/fixture/greet/@v/v1.2.0";
const KINDS = ["zip", "mod", "info"] as const;

interface Burst {
  /** Status and body of every answer, in the order sent. */
  answers: { status: number; body: Buffer }[];
}

/** Sends `n` GETs at once, spread over `bases` in turn, each on a socket of its own. */
async function burst(bases: string[], file: string, n: number, agent: http.Agent): Promise<Burst> {
  const one = (base: string) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      http
        .get(`${base}${file}`, { agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        })
        .on("error", reject);
    });
  return { answers: await Promise.all(Array.from({ length: n }, (_, i) => one(bases[i % bases.length]))) };
}

function assertAllServe(b: Burst, want: Buffer, what: string): void {
  const wrong = b.answers.filter((a) => a.status !== 200 || !a.body.equals(want));
  assert.equal(
    wrong.length,
    0,
    `${wrong.length} of ${b.answers.length} answers for ${what} were not the fixture, e.g. ${wrong[0]?.status} ${wrong[0]?.body.subarray(0, 200)}`,
  );
}

/** The proxy's count of `kind` requests answered by joining a fetch ("miss") and from storage ("hit"). */
async function lookups(proxy: RunningProxy, kind: string): Promise<{ miss: number; hit: number }> {
  const metrics = (await rawRequest(proxy.url, "/metrics")).body.toString();
  const count = (result: string) => Number(new RegExp(`modproxy_cache_lookups_total\\{kind="${kind}",result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  return { miss: count("miss"), hit: count("hit") };
}

function countOf(upstream: StaticServer, file: string): number {
  return upstream.requests.filter((r) => r.path === file).length;
}

describe(`single flight: ${N} concurrent cold requests for one version file`, function () {
  let agent: http.Agent;

  beforeEach(function () {
    // One socket per request, so the proxy really sees them at once.
    agent = new http.Agent({ keepAlive: true, maxSockets: N + 10 });
  });

  afterEach(function () {
    agent.destroy();
  });

  describe("on disk", function () {
    let env: ModproxyOverFixtures | undefined;

    afterEach(async function () {
      await env?.stop();
    });

    it("asks the upstream once per file and gives every client the fixture's bytes", async function () {
      env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000 });
      const summary: string[] = [];
      for (const kind of KINDS) {
        const file = `${FILE}.${kind}`;
        const want = await fs.readFile(path.join(env.tree.dir, file));
        assertAllServe(await burst([env.proxy.url], file, N, agent), want, file);
        assert.equal(countOf(env.upstream, file), 1, `upstream requests for ${file}`);
        assert.ok((await fs.readFile(path.join(env.storageDir, file))).equals(want), `stored ${file}`);
        const { miss, hit } = await lookups(env.proxy, kind);
        summary.push(`${kind}: ${countOf(env.upstream, file)} upstream request, ${miss} answers joined the fetch, ${hit} from storage`);
      }
      console.log(`      single-flight disk, ${N} concurrent GETs per file: ${summary.join("; ")}`);
    });
  });

  describe("on S3, with two replicas sharing only the bucket", function () {
    let s3: S3TestServer;
    let tree: GoproxyTree;
    let sumdb: TestSumdb;
    let spoolRoot: string;
    let bucket: string;
    const upstreams: StaticServer[] = [];
    const replicas: RunningProxy[] = [];
    const savedEnv: Record<string, string | undefined> = {};

    before(async function () {
      // The first run on a machine installs moto into its venv.
      this.timeout(300_000);
      // The proxies' S3 clients take region and credentials from the SDK's default chain, as in production.
      for (const [name, value] of Object.entries(S3_TEST_ENV)) {
        savedEnv[name] = process.env[name];
        process.env[name] = value;
      }
      s3 = await startS3Server();
      tree = await buildGoproxyTree();
      sumdb = await startTestSumdb(sumdbRecordsFor(tree));
      spoolRoot = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-single-flight-"));
      bucket = await s3.createBucket();
      // An upstream per replica, so each one's requests are counted on their own.
      for (const name of ["a", "b"]) {
        const upstream = await startStaticServer(tree.dir, sumdb);
        upstreams.push(upstream);
        replicas.push(
          await startProxy({
            host: "127.0.0.1",
            port: 0,
            storage: "s3",
            storageDir: path.join(spoolRoot, "unused"),
            s3Bucket: bucket,
            s3Endpoint: s3.endpoint,
            upstream: upstream.url,
            upstreamTimeoutMs: 5000,
            goSumDb: sumdb.vkey,
            spoolDir: path.join(spoolRoot, name),
          }),
        );
      }
    });

    after(async function () {
      for (const replica of replicas.splice(0)) await replica.close();
      for (const upstream of upstreams.splice(0)) await upstream.close();
      await sumdb?.close();
      await tree?.remove();
      if (bucket) await s3.deleteBucket(bucket);
      await s3?.stop();
      if (spoolRoot) await fs.rm(spoolRoot, { recursive: true, force: true });
      for (const [name, value] of Object.entries(savedEnv)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it("has each replica ask the upstream at most once per file, stores one object, and serves identical bytes from both", async function () {
      const summary: string[] = [];
      const bases = replicas.map((r) => r.url);
      for (const kind of KINDS) {
        const file = `${FILE}.${kind}`;
        const want = await fs.readFile(path.join(tree.dir, file));
        assertAllServe(await burst(bases, file, N, agent), want, file);
        const counts = upstreams.map((u) => countOf(u, file));
        assert.ok(
          counts.every((c) => c <= 1),
          `upstream requests for ${file} per replica: ${counts.join(", ")}`,
        );
        assert.ok(
          counts.some((c) => c === 1),
          `no replica fetched ${file}`,
        );
        const stored = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: file.slice(1) }));
        assert.deepEqual((stored.Contents ?? []).map((o) => o.Key).sort(), [file.slice(1), `${file.slice(1)}.meta`], `objects stored for ${file}`);
        const perReplica = await Promise.all(replicas.map((r) => lookups(r, kind)));
        summary.push(
          `${kind}: upstream requests a=${counts[0]} b=${counts[1]}, 1 object, answers joined the fetch a=${perReplica[0].miss} b=${perReplica[1].miss}, from storage a=${perReplica[0].hit} b=${perReplica[1].hit}`,
        );
      }
      console.log(`      single-flight S3, 2 replicas, ${N} concurrent GETs per file split between them: ${summary.join("; ")}`);
    });
  });
});
