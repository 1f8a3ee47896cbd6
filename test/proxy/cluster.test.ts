import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { promises as fs, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { defaultWorkers } from "../../proxy-app/src/cluster";
import { encodeCase } from "../../proxy-app/src/module-path";
import { buildGoproxyTree, GoproxyTree } from "../support/goproxy-tree";
import { startStaticServer, StaticServer } from "../support/static-server";
import { startTestSumdb, sumdbRecordsFor, TestSumdb } from "../support/sumdb";

const CLI = path.resolve(__dirname, "../../proxy-app/src/cli.ts");

describe("worker count", () => {
  let dir: string;
  before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-cpumax-"))));
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("follows the cgroup's CPU quota, rounded up, within the CPUs the process may use", async () => {
    const file = path.join(dir, "cpu.max");
    const cpus = os.availableParallelism();
    await fs.writeFile(file, "max 100000\n");
    assert.equal(defaultWorkers(file), cpus);
    await fs.writeFile(file, "50000 100000\n");
    assert.equal(defaultWorkers(file), 1);
    await fs.writeFile(file, "150000 100000\n");
    assert.equal(defaultWorkers(file), Math.min(2, cpus));
    await fs.writeFile(file, `${(cpus + 4) * 100000} 100000\n`);
    assert.equal(defaultWorkers(file), cpus);
    assert.equal(defaultWorkers(path.join(dir, "absent")), cpus);
  });
});

/** GET over a connection of its own, so the primary hands each request to the next worker. */
function get(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

describe("modproxy serve with MODPROXY_WORKERS=2", function () {
  this.timeout(120_000);
  let tree: GoproxyTree;
  let sumdb: TestSumdb;
  let upstream: StaticServer;
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let stderr = "";
  let out = "";

  before(async () => {
    tree = await buildGoproxyTree();
    sumdb = await startTestSumdb(sumdbRecordsFor(tree));
    upstream = await startStaticServer(tree.dir, sumdb);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-cluster-"));
    child = spawn(process.execPath, ["--import", "tsx", CLI, "serve"], {
      env: {
        ...process.env,
        PORT: "0",
        MODPROXY_HOST: "127.0.0.1",
        MODPROXY_STORAGE_DIR: path.join(dir, "storage"),
        MODPROXY_UPSTREAM: upstream.url,
        GOSUMDB: sumdb.vkey,
        MODPROXY_WORKERS: "2",
        MODPROXY_LOG_FORMAT: "json",
        MODPROXY_AUDIT_LOG: "stdout",
      },
    });
    child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
    while (!/export GOPROXY=(\S+)/.test(out)) {
      const [code] = await Promise.race([once(child.stdout!, "data"), once(child, "exit")]);
      if (typeof code === "number") throw new Error(`modproxy exited with ${code}: ${stderr}`);
    }
    url = /export GOPROXY=(\S+)/.exec(out)![1];
    assert.match(out, /2 workers/);
  });

  after(async () => {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
    await upstream.close();
    await sumdb.close();
    await tree.remove();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("fetches a zip once for 200 concurrent cold requests spread over both workers", async () => {
    const [module, version] = tree.allVersions[0].split("@");
    const zipPath = `/${encodeCase(module)}/@v/${encodeCase(version)}.zip`;
    const answers = await Promise.all(Array.from({ length: 200 }, () => get(url + zipPath)));
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
    );
    for (const a of answers) assert.ok(a.body.equals(answers[0].body));
    assert.equal(upstream.requests.filter((r) => r.path === zipPath).length, 1, stderr);
  });

  it("logs every request on stdout in whole JSON lines, from both workers", async () => {
    const [module, version] = tree.allVersions[0].split("@");
    const zipPath = `/${encodeCase(module)}/@v/${encodeCase(version)}.zip`;
    const lines = () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { type: string; path?: string; pid: number; status?: number });
    for (let i = 0; i < 100 && lines().filter((l) => l.type === "access" && l.path === zipPath).length < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // Anything but the banner that is not a JSON line would be two lines run together.
    assert.deepEqual(
      out.split("\n").filter((l) => l !== "" && !l.startsWith("{")),
      [
        "modproxy serving on " + url + " (storage: " + path.join(dir, "storage") + ", upstream: " + upstream.url + ", 2 workers)",
        "Point the go command at it with:",
        `  export GOPROXY=${url}`,
      ],
    );
    const zips = lines().filter((l) => l.type === "access" && l.path === zipPath);
    assert.equal(zips.length, 200);
    assert.equal(new Set(zips.map((l) => l.pid)).size, 2, "both workers served and logged");
    assert.equal(lines().filter((l) => l.type === "audit").length, 200);
  });

  it("answers /metrics with the sum of both workers' counts, and their readiness at worst", async () => {
    // Connections alternate between the workers, so either one alone would have counted about half.
    for (let i = 0; i < 4; i++) {
      const metrics = (await get(`${url}/metrics`)).body.toString();
      assert.match(metrics, /modproxy_requests_total\{kind="zip",status="200"\} 200\b/);
      const rss = /^modproxy_process_resident_memory_bytes (\d+)/m.exec(metrics);
      assert.ok(rss && Number(rss[1]) > 0);
      // Readiness is the worst worker's, not a sum of them.
      assert.match(metrics, /^modproxy_storage_ready 1$/m);
    }
  });

  it("replaces a worker that dies and keeps serving", async () => {
    const workers = () => readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
    const [victim] = workers();
    process.kill(victim, "SIGKILL");
    for (let i = 0; i < 300 && !(workers().length === 2 && !workers().includes(victim) && /starting another/.test(out)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(workers().length, 2, stderr);
    assert.ok(!workers().includes(victim));
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(`${url}/healthz`)));
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
    );
  });

  it("exits 0 on SIGTERM once the workers have drained", async () => {
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0, stderr);
  });
});
