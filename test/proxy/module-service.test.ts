import * as assert from "node:assert/strict";
import { Readable } from "node:stream";
import { ZipFile } from "yazl";
import { AnswerCache } from "../../proxy-app/src/answer-cache";
import { Artifact, ArtifactStore, readAll } from "../../proxy-app/src/artifact";
import { ChecksumDbUnreachableError, ChecksumSource, ExpectedHashes, VerifyingFetcher, withSingleFlight, withStoredCheck } from "../../proxy-app/src/fetcher";
import { ProxyMetrics } from "../../proxy-app/src/metrics";
import { ModuleService } from "../../proxy-app/src/module-service";
import { parseModuleRequest, VersionFileRequest } from "../../proxy-app/src/protocol";
import { MemoryStorage } from "../../proxy-app/src/storage/memory";
import { Storage, StorageUnavailableError } from "../../proxy-app/src/storage/storage";
import { NotFoundError, Upstream, UpstreamError, UpstreamResponse } from "../../proxy-app/src/upstream/upstream";
import type { VerifyMode } from "../../proxy-app/src/config";
import { goModHash, zipHash } from "../support/dirhash";

// ModuleService over in-memory storage and a scripted upstream: no HTTP, no
// disk beyond the spool, so each case runs in milliseconds.

const MOD = "example.com/m";
const V = "v1.0.0";
const GO_MOD = Buffer.from(`module ${MOD}\n\ngo 1.21\n`);
const FILES = new Map([
  ["go.mod", GO_MOD],
  ["m.go", Buffer.from("package m\n")],
]);

async function zipOf(files: Map<string, Buffer>, prefix = `${MOD}@${V}/`): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, data] of files) zip.addBuffer(data, prefix + name, { mtime: new Date(0) });
  zip.end();
  return readAll(zip.outputStream as unknown as Readable, 1 << 30, "zip");
}

/** An upstream answering from a map of protocol paths, counting what it was asked; `gate` holds answers back. */
class FakeUpstream implements Upstream {
  readonly name = "fake";
  readonly asked = new Map<string, number>();
  gate: Promise<void> = Promise.resolve();
  constructor(public files: Map<string, Buffer | Error>) {}
  async fetch(path: string): Promise<UpstreamResponse> {
    this.asked.set(path, (this.asked.get(path) ?? 0) + 1);
    await this.gate;
    const f = this.files.get(path);
    if (f === undefined) throw new NotFoundError(`not found: ${path}`);
    if (f instanceof Error) throw f;
    // Small chunks, so a zip arrives in pieces as from a network.
    const chunks: Buffer[] = [];
    for (let i = 0; i < f.length; i += 1024) chunks.push(f.subarray(i, i + 1024));
    return { body: Readable.from(chunks), size: f.length };
  }
  count(path: string): number {
    return this.asked.get(path) ?? 0;
  }
}

class FakeSums implements ChecksumSource {
  unreachable = false;
  asked = 0;
  constructor(public hashes: Map<string, ExpectedHashes>) {}
  async hashesFor(module: string, version: string): Promise<ExpectedHashes | undefined> {
    this.asked++;
    if (this.unreachable) throw new ChecksumDbUnreachableError("the checksum database test.db cannot be reached");
    const h = this.hashes.get(`${module}@${version}`);
    if (!h) throw new NotFoundError("no record");
    return h;
  }
}

interface Harness {
  service: ModuleService;
  upstream: FakeUpstream;
  sums: FakeSums;
  storage: Storage;
  fetcher: VerifyingFetcher;
  metrics: ProxyMetrics;
}

async function harness(
  opts: {
    mode?: VerifyMode;
    storage?: Storage;
    zip?: Buffer;
    mod?: Buffer;
    info?: Buffer;
    deadlineMs?: number;
    maxFetches?: number;
    onServed?: (r: VersionFileRequest) => void;
  } = {},
): Promise<Harness> {
  const zip = opts.zip ?? (await zipOf(FILES));
  const upstream = new FakeUpstream(
    new Map<string, Buffer | Error>([
      [`${MOD}/@v/${V}.zip`, zip],
      [`${MOD}/@v/${V}.mod`, opts.mod ?? GO_MOD],
      [`${MOD}/@v/${V}.info`, opts.info ?? Buffer.from(`{"Version":"${V}"}\n`)],
      [`${MOD}/@v/list`, Buffer.from(`${V}\n`)],
      [`${MOD}/@latest`, Buffer.from(`{"Version":"${V}"}\n`)],
    ]),
  );
  const sums = new FakeSums(new Map([[`${MOD}@${V}`, { zip: zipHash(MOD, V, FILES), mod: goModHash(GO_MOD), db: "test.db" }]]));
  const storage = opts.storage ?? new MemoryStorage();
  const metrics = new ProxyMetrics();
  const artifacts = new ArtifactStore(storage);
  const fetcher = new VerifyingFetcher({
    artifacts,
    upstream,
    sums,
    mode: opts.mode ?? "require",
    limits: { deadlineMs: opts.deadlineMs ?? 10_000, maxFetches: opts.maxFetches ?? 8 },
    metrics,
    log: () => {},
  });
  const answers = new AnswerCache({ storage, ttlMs: 60_000, notFoundTtlMs: 30_000, graceMs: 50 });
  const service = new ModuleService({
    artifacts,
    // Composed as app.ts composes it.
    fetcher: withSingleFlight(withStoredCheck(fetcher, artifacts)),
    answers,
    upstream,
    metrics,
    onUnverified: (r) => fetcher.noteUnverified(r),
    onServed: opts.onServed,
  });
  return { service, upstream, sums, storage, fetcher, metrics };
}

function req(file: string): VersionFileRequest {
  return parseModuleRequest(`/${MOD}/@v/${file}`) as VersionFileRequest;
}

async function bytes(a: Artifact): Promise<Buffer> {
  return Buffer.isBuffer(a.body) ? a.body : readAll(a.body, 1 << 30, "body");
}

async function storedKeys(storage: Storage): Promise<string[]> {
  return (await storage.list(`${MOD}/@v/`)).sort();
}

describe("ModuleService over memory storage", function () {
  it("serves 200 concurrent cold requests for one zip from one upstream fetch, all with the same bytes", async function () {
    const h = await harness();
    const zip = h.upstream.files.get(`${MOD}/@v/${V}.zip`) as Buffer;
    let open!: () => void;
    h.upstream.gate = new Promise((r) => (open = r));
    const pending = Array.from({ length: 200 }, () => h.service.versionFile(req(`${V}.zip`)).then(bytes));
    await new Promise((r) => setTimeout(r, 20));
    open();
    const bodies = await Promise.all(pending);
    assert.equal(h.upstream.count(`${MOD}/@v/${V}.zip`), 1);
    for (const b of bodies) assert.ok(b.equals(zip));
    assert.deepEqual(await storedKeys(h.storage), [`${V}.zip`, `${V}.zip.meta`]);
    assert.equal(h.upstream.count(`${MOD}/@v/${V}.zip`), 1, "later requests come from storage");
  });

  it("does not fetch again for a request that missed storage just before another fetch of the file was stored", async function () {
    // The late request's storage read starts before the file is stored and answers after its flight has ended.
    const memory = new MemoryStorage();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holdNext = false;
    const storage: Storage = Object.assign(Object.create(memory) as MemoryStorage, {
      read: async (key: string) => {
        const hold = holdNext && key === `${MOD}/@v/${V}.zip`;
        if (hold) holdNext = false;
        const found = await memory.read(key);
        if (hold) await held;
        return found;
      },
    });
    const h = await harness({ storage });
    holdNext = true;
    const late = h.service.versionFile(req(`${V}.zip`)).then(bytes);
    await new Promise((r) => setImmediate(r));
    const first = await bytes(await h.service.versionFile(req(`${V}.zip`)));
    await new Promise((r) => setTimeout(r, 20));
    release();
    assert.ok((await late).equals(first));
    assert.equal(h.upstream.count(`${MOD}/@v/${V}.zip`), 1);
  });

  it("reports each version file served, fetched or from storage, for last-access tracking, and not a refused one", async function () {
    const served: string[] = [];
    const h = await harness({ onServed: (r) => served.push(`${r.version}.${r.kind}`) });
    await bytes(await h.service.versionFile(req(`${V}.mod`)));
    await bytes(await h.service.versionFile(req(`${V}.mod`)));
    assert.deepEqual(served, [`${V}.mod`, `${V}.mod`]);
    h.sums.unreachable = true;
    await assert.rejects(h.service.versionFile(req(`${V}.zip`)));
    assert.equal(served.length, 2);
  });

  it("serves 50 concurrent cold requests for a .mod and a .info from one fetch each", async function () {
    const h = await harness();
    let open!: () => void;
    h.upstream.gate = new Promise((r) => (open = r));
    const pending = Array.from({ length: 50 }, (_, i) => h.service.versionFile(req(`${V}.${i % 2 ? "mod" : "info"}`)).then(bytes));
    await new Promise((r) => setTimeout(r, 20));
    open();
    await Promise.all(pending);
    assert.equal(h.upstream.count(`${MOD}/@v/${V}.mod`), 1);
    assert.equal(h.upstream.count(`${MOD}/@v/${V}.info`), 1);
  });

  it("refuses a zip the checksum database disagrees with and stores nothing", async function () {
    const h = await harness({ zip: await zipOf(new Map([...FILES, ["evil.go", Buffer.from("package m\n// added\n")]])) });
    await assert.rejects(h.service.versionFile(req(`${V}.zip`)), /hashes to h1:.* but the checksum database test\.db records h1:/);
    assert.deepEqual(await storedKeys(h.storage), []);
    assert.equal((await h.metrics.verificationFailures.get()).values.find((v) => v.labels.check === "checksum")?.value, 1);
  });

  it("refuses a zip whose entries leave module@version/ and stores nothing", async function () {
    const h = await harness({ zip: await zipOf(FILES, `${MOD}@v1.0.1/`) });
    await assert.rejects(h.service.versionFile(req(`${V}.zip`)), /example\.com\/m@v1\.0\.0: /);
    assert.deepEqual(await storedKeys(h.storage), []);
  });

  it("refuses a .mod that differs from the database's record, and a .info naming another version", async function () {
    const h = await harness({ mod: Buffer.from(`module ${MOD}\n\ngo 1.22\n`), info: Buffer.from('{"Version":"v1.0.1"}\n') });
    await assert.rejects(h.service.versionFile(req(`${V}.mod`)), /go\.mod hashes to/);
    await assert.rejects(h.service.versionFile(req(`${V}.info`)), /names version v1\.0\.1/);
    assert.deepEqual(await storedKeys(h.storage), []);
  });

  it("refuses everything while the database is unreachable in require mode", async function () {
    const h = await harness();
    h.sums.unreachable = true;
    await assert.rejects(h.service.versionFile(req(`${V}.zip`)), (err: Error) => err instanceof UpstreamError && /cannot be reached/.test(err.message));
    assert.deepEqual(await storedKeys(h.storage), []);
  });

  it("stores unverified when the database is unreachable in when-available mode, and purges on a later mismatch", async function () {
    const h = await harness({ mode: "when-available" });
    h.sums.unreachable = true;
    const zip = await bytes(await h.service.versionFile(req(`${V}.zip`)));
    assert.ok(zip.length > 0);
    assert.equal((await h.metrics.unverified.get()).values[0].value, 1);
    // The database comes back and records another hash: the stored zip goes.
    h.sums.unreachable = false;
    h.sums.hashes.set(`${MOD}@${V}`, { zip: "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", mod: goModHash(GO_MOD), db: "test.db" });
    await h.fetcher.reverify();
    assert.deepEqual(await storedKeys(h.storage), []);
    assert.equal((await h.metrics.purged.get()).values[0].value, 1);
  });

  it("marks an unverified zip verified once the database agrees", async function () {
    const h = await harness({ mode: "when-available" });
    h.sums.unreachable = true;
    await bytes(await h.service.versionFile(req(`${V}.zip`)));
    h.sums.unreachable = false;
    await h.fetcher.reverify();
    const meta = JSON.parse((await bytes({ body: (await h.storage.read(`${MOD}/@v/${V}.zip.meta`))!.body, immutable: true })).toString());
    assert.equal(meta.checksum, "verified");
    assert.equal((await h.metrics.unverified.get()).values[0].value, 0);
  });

  it("fetches again, instead of serving, a stored file whose bytes no longer match its record", async function () {
    const h = await harness();
    const good = await bytes(await h.service.versionFile(req(`${V}.mod`)));
    await h.storage.write(`${MOD}/@v/${V}.mod`, Buffer.from("module evil\n"), { overwrite: true });
    const again = await bytes(await h.service.versionFile(req(`${V}.mod`)));
    assert.ok(again.equals(good));
    assert.equal(h.upstream.count(`${MOD}/@v/${V}.mod`), 2);
  });

  it("passes checked content on uncached when storage cannot write", async function () {
    const failing = new MemoryStorage();
    failing.write = async () => {
      throw new StorageUnavailableError("disk full");
    };
    const h = await harness({ storage: failing });
    const zip = await bytes(await h.service.versionFile(req(`${V}.zip`)));
    assert.ok(zip.equals(h.upstream.files.get(`${MOD}/@v/${V}.zip`) as Buffer));
    assert.equal((await h.metrics.storageFailures.get()).values[0].value, 1);
  });

  it("passes checked content on when storage can neither read nor write", async function () {
    const failing = new MemoryStorage();
    const full = async () => {
      throw new StorageUnavailableError("disk full");
    };
    failing.write = full;
    failing.read = full;
    const h = await harness({ storage: failing });
    for (const file of [`${V}.zip`, `${V}.mod`, `${V}.info`]) {
      const body = await bytes(await h.service.versionFile(req(file)));
      assert.ok(body.equals(h.upstream.files.get(`${MOD}/@v/${file}`) as Buffer), file);
    }
  });

  it("has no more upstream fetches under way than MODPROXY_MAX_FETCHES, and lets the rest follow", async function () {
    const h = await harness({ maxFetches: 2 });
    const versions = Array.from({ length: 10 }, (_, i) => `v1.0.${i + 1}`);
    for (const v of versions) h.upstream.files.set(`${MOD}/@v/${v}.info`, Buffer.from(`{"Version":"${v}"}\n`));
    let open!: () => void;
    h.upstream.gate = new Promise((r) => (open = r));
    const pending = versions.map((v) => h.service.versionFile(req(`${v}.info`)).then(bytes));
    await new Promise((r) => setTimeout(r, 50));
    const asked = () => versions.reduce((n, v) => n + h.upstream.count(`${MOD}/@v/${v}.info`), 0);
    assert.equal(asked(), 2, "two fetches under way, eight waiting their turn");
    open();
    await Promise.all(pending);
    assert.equal(asked(), 10);
  });

  it("ends a fetch that runs past the deadline", async function () {
    const h = await harness({ deadlineMs: 100 });
    h.upstream.fetch = async () => ({ body: new Readable({ read() {} }), size: 10 });
    await assert.rejects(h.service.versionFile(req(`${V}.mod`)), /took longer than 100 ms/);
  });

  it("answers the .info of a held version with its version alone while the upstream is down, and stores nothing for it", async function () {
    const h = await harness();
    await h.service.versionFile(req(`${V}.mod`));
    h.upstream.files.set(`${MOD}/@v/${V}.info`, new UpstreamError("upstream fake could not be reached"));
    h.upstream.files.set(`${MOD}/@v/v1.0.1.info`, new UpstreamError("upstream fake could not be reached"));
    const info = await h.service.versionFile(req(`${V}.info`));
    assert.deepEqual(JSON.parse((await bytes(info)).toString()), { Version: V });
    assert.equal(info.immutable, false);
    await assert.rejects(h.service.versionFile(req("v1.0.1.info")), /could not be reached/);
    assert.deepEqual(await storedKeys(h.storage), [`${V}.mod`, `${V}.mod.meta`]);
  });

  it("answers a held version's .info with its version alone once an upstream silent of late is slow, and waits for one that answers", async function () {
    const info = Buffer.from(`{"Version":"${V}","Time":"2024-01-01T00:00:00Z"}\n`);
    const h = await harness({ info });
    await h.service.versionFile(req(`${V}.mod`));
    // The upstream just answered the .mod: a slow .info is load, and the client gets the real one.
    let open!: () => void;
    h.upstream.gate = new Promise((r) => (open = r));
    setTimeout(() => open(), 1500);
    assert.ok((await bytes(await h.service.versionFile(req(`${V}.info`)))).equals(info));

    // Restarted on the same storage, nothing has answered yet: a hanging upstream costs the grace period, no more.
    await h.storage.delete(`${MOD}/@v/${V}.info`);
    const restarted = await harness({ storage: h.storage, info });
    restarted.upstream.gate = new Promise(() => {});
    const started = Date.now();
    assert.deepEqual(JSON.parse((await bytes(await restarted.service.versionFile(req(`${V}.info`)))).toString()), { Version: V });
    assert.ok(Date.now() - started < 10_000);
  });

  it("remembers a 404 briefly, so repeated probes are answered without the upstream", async function () {
    const h = await harness();
    const missing = parseModuleRequest("/example.com/nope/@v/list")!;
    await assert.rejects(h.service.list(missing), NotFoundError);
    await assert.rejects(h.service.list(missing), NotFoundError);
    assert.equal(h.upstream.count("example.com/nope/@v/list"), 1);
  });

  it("answers a 404 it stored before at once, after a restart, while the upstream hangs", async function () {
    const h = await harness();
    const parent = parseModuleRequest("/example.com/@v/list")!;
    await assert.rejects(h.service.list(parent), NotFoundError);
    const restarted = await harness({ storage: h.storage });
    restarted.upstream.gate = new Promise(() => {});
    await assert.rejects(restarted.service.list(parent), NotFoundError);
  });

  it("lists only versions it can serve, and names one as latest, while the upstream fails", async function () {
    const h = await harness();
    h.upstream.files.set(`${MOD}/@v/list`, Buffer.from(`${V}\nv1.1.0\n`));
    h.upstream.files.set(`${MOD}/@latest`, Buffer.from('{"Version":"v1.1.0"}\n'));
    const list = parseModuleRequest(`/${MOD}/@v/list`)!;
    const latest = parseModuleRequest(`/${MOD}/@latest`)!;
    assert.deepEqual(await h.service.list(list), [V, "v1.1.0"]);
    await h.service.latest(latest);
    await bytes(await h.service.versionFile(req(`${V}.zip`)));
    const restarted = await harness({ storage: h.storage });
    restarted.upstream.files.set(`${MOD}/@v/list`, new UpstreamError("connection refused"));
    restarted.upstream.files.set(`${MOD}/@latest`, new UpstreamError("connection refused"));
    assert.deepEqual(await restarted.service.list(list), [V], "v1.1.0 is listed upstream but not held");
    assert.equal(JSON.parse((await restarted.service.latest(latest)).toString()).Version, V);
  });

  it("serves a stale list at once while the upstream hangs, and a fresh one within the TTL without asking", async function () {
    const h = await harness();
    const list = parseModuleRequest(`/${MOD}/@v/list`)!;
    assert.deepEqual(await h.service.list(list), [V]);
    assert.deepEqual(await h.service.list(list), [V]);
    assert.equal(h.upstream.count(`${MOD}/@v/list`), 1, "fresh within the TTL");

    // A new service over the same storage (a restart): the stored list is of unknown age.
    const restarted = await harness({ storage: h.storage });
    restarted.upstream.gate = new Promise(() => {});
    assert.deepEqual(await restarted.service.list(list), [V]);
  });
});
