import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { GoDirectUpstream } from "../../proxy-app/src/upstream/go-direct";
import { NotFoundError, UpstreamResponse, UpstreamTimeoutError } from "../../proxy-app/src/upstream/upstream";
import { readAll } from "../../proxy-app/src/artifact";
import { zipHash } from "../support/dirhash";
import { goModOf } from "../support/fixture-modules";
import { PRIVATE_HOST, PrivateGitHost, startPrivateGitHost } from "../support/git-server";
import { createGoSandbox } from "../support/go";
import { DownloadedModule } from "../support/go-output";

// The direct upstream runs the real go command against a private git server
// on loopback, which wants HTTP Basic credentials from the .netrc it is given.

const SECRET = `${PRIVATE_HOST}/team/secret.git`;

async function body(res: UpstreamResponse): Promise<Buffer> {
  const data = await readAll(res.body, 64 * 1024 * 1024, "direct answer");
  assert.equal(res.size, data.length, "size matches the body");
  return data;
}

describe("direct upstream (the go command against a git server)", function () {
  let host: PrivateGitHost;
  let direct: GoDirectUpstream;

  before(async () => {
    host = await startPrivateGitHost();
    direct = await GoDirectUpstream.create({ timeoutMs: 60_000, goPrivate: PRIVATE_HOST, vcsCredentialsFile: host.credentialsFile, extraEnv: host.directEnv });
  });
  after(async () => {
    await direct?.close();
    await host?.remove();
  });

  const secretFixture = () => {
    const module = host.modules.find((m) => m.path === SECRET);
    assert.ok(module, "fixture module secret.git exists");
    return module;
  };

  it("lists the tagged versions", async () => {
    const listed = (await body(await direct.fetch(`${SECRET}/@v/list`))).toString();
    assert.deepEqual(
      listed.split("\n").filter(Boolean),
      secretFixture().versions.map((v) => v.version),
    );
  });

  it("answers .info and @latest with the version and its commit time", async () => {
    const info = JSON.parse((await body(await direct.fetch(`${SECRET}/@v/v1.0.0.info`))).toString());
    assert.deepEqual(info, { Version: "v1.0.0", Time: "2024-01-01T00:00:00Z" });
    const latest = JSON.parse((await body(await direct.fetch(`${SECRET}/@latest`))).toString());
    assert.equal(latest.Version, secretFixture().versions.at(-1)?.version);
  });

  it("answers .mod with the version's go.mod", async () => {
    const version = secretFixture().versions.find((v) => v.version === "v1.1.0");
    assert.ok(version);
    assert.deepEqual(await body(await direct.fetch(`${SECRET}/@v/v1.1.0.mod`)), goModOf(SECRET, version));
  });

  it("streams the zip the go command makes, with the fixture's hash, once for concurrent askers, and keeps no copy", async () => {
    const version = secretFixture().versions.find((v) => v.version === "v1.1.0");
    assert.ok(version);
    const gitExchanges = async (run: () => Promise<unknown>) => {
      const before = host.server.requests.length;
      await run();
      return host.server.requests.slice(before).filter((r) => r.status === 200).length;
    };
    const oneAsker = await gitExchanges(async () => body(await direct.fetch(`${SECRET}/@v/v1.0.0.zip`)));
    let zips: Buffer[] = [];
    const fiveAskers = await gitExchanges(async () => {
      zips = await Promise.all(Array.from({ length: 5 }, async () => body(await direct.fetch(`${SECRET}/@v/v1.1.0.zip`))));
    });
    assert.ok(oneAsker > 0);
    assert.equal(fiveAskers, oneAsker, "five concurrent askers cost the git server what one does: go ran once");
    for (const zip of zips) assert.deepEqual(zip, zips[0]);

    // The go command itself, fetching directly with the same credentials, makes the same zip with the fixture's hash.
    const go = await createGoSandbox("direct", { GOPRIVATE: PRIVATE_HOST, GONOSUMDB: PRIVATE_HOST, ...host.directEnv });
    try {
      await fs.copyFile(host.credentialsFile, path.join(go.root, "home", ".netrc"));
      const downloaded = JSON.parse((await go.runOk(["mod", "download", "-json", `${SECRET}@v1.1.0`])).stdout) as DownloadedModule & { Zip: string };
      assert.equal(downloaded.Sum, zipHash(SECRET, "v1.1.0", version.files));
      assert.deepEqual(zips[0], await fs.readFile(downloaded.Zip));
    } finally {
      await go.remove();
    }
    const downloads = path.join(direct.moduleCache, "cache", "download", ...SECRET.split("/"), "@v");
    assert.deepEqual(
      (await fs.readdir(downloads)).filter((n) => n.startsWith("v1.")),
      [],
      "handed-over versions leave the direct module cache",
    );
    assert.deepEqual(
      (await fs.readdir(path.join(direct.moduleCache, PRIVATE_HOST, "team"))).filter((n) => n.includes("@")),
      [],
      "no extracted trees stay",
    );
  });

  it("reports unknown versions and repositories as not found", async () => {
    await assert.rejects(direct.fetch(`${SECRET}/@v/v1.9.9.info`), (e: Error) => e instanceof NotFoundError && /unknown revision v1\.9\.9/.test(e.message));
    await assert.rejects(direct.fetch(`${SECRET}/@v/v1.9.9.zip`), NotFoundError);
    await assert.rejects(direct.fetch(`${PRIVATE_HOST}/team/missing.git/@v/list`), NotFoundError);
    await assert.rejects(direct.fetch("sumdb/sum.example.test/supported"), NotFoundError);
  });

  it("fails without hanging when the credentials are wrong", async () => {
    const wrong = await GoDirectUpstream.create({
      timeoutMs: 60_000,
      goPrivate: PRIVATE_HOST,
      vcsCredentialsFile: host.wrongCredentialsFile,
      extraEnv: host.directEnv,
    });
    try {
      const before = host.server.requests.length;
      await assert.rejects(wrong.fetch(`${SECRET}/@v/list`), /not found: .*no secure protocol found.*\(direct\)/);
      const attempts = host.server.requests.slice(before);
      assert.ok(
        attempts.some((r) => r.status === 401 && r.user === "fixture-reader"),
        "git sent the wrong credentials and was refused",
      );
    } finally {
      await wrong.close();
    }
  });

  it("kills go and reports a timeout when the git server does not answer", async () => {
    const impatient = await GoDirectUpstream.create({
      timeoutMs: 1500,
      goPrivate: PRIVATE_HOST,
      vcsCredentialsFile: host.credentialsFile,
      extraEnv: host.directEnv,
    });
    host.server.behaviour = "hang";
    try {
      const started = Date.now();
      await assert.rejects(impatient.fetch(`${SECRET}/@v/list`), UpstreamTimeoutError);
      assert.ok(Date.now() - started < 10_000, "gave up near the timeout");
    } finally {
      host.server.behaviour = "serve";
      await impatient.close();
    }
  });
});
