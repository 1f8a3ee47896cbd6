import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { encodeCase } from "../../proxy-app/src/module-path";
import { rawRequest } from "../support/raw-http";
import { goModHash, zipHash } from "../support/dirhash";
import { FixtureModule, goModOf } from "../support/fixture-modules";
import { PRIVATE_HOST, PrivateGitHost, startPrivateGitHost } from "../support/git-server";
import { createGoSandbox, GoSandbox } from "../support/go";
import { DownloadedModule, parseJsonStream, readGoSum } from "../support/go-output";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";

// Private modules through modproxy: the proxy fetches them from a git server
// (loopback, HTTP Basic auth) with the go command and its VCS credentials;
// the client has neither git access nor credentials, only the proxy. Their
// names never reach the public (fixture) upstream, and once stored they are
// served with the git server gone.

const SECRET = `${PRIVATE_HOST}/team/secret.git`;

const MAIN_PROGRAM = `package main

import (
	"fmt"

	secret "${SECRET}"
)

func main() {
	fmt.Println(secret.Word())
}
`;

// secret v1.1.0 calls greet v1.1.0, a public fixture module the proxy gets from its upstream.
const MAIN_PROGRAM_OUTPUT = "hello secret v1.1.0 from greet v1.1.0\n";

/** A client that reaches nothing but the proxy, and skips the checksum database for the fixture hosts. */
function clientOf(env: ModproxyOverFixtures): Promise<GoSandbox> {
  return createGoSandbox(env.proxy.url, { GONOSUMDB: `example.com,${PRIVATE_HOST}` });
}

function expectedSums(module: FixtureModule): Map<string, { Sum: string; GoModSum: string }> {
  return new Map(module.versions.map((v) => [v.version, { Sum: zipHash(module.path, v.version, v.files), GoModSum: goModHash(goModOf(module.path, v)) }]));
}

async function assertDownloadsWithFixtureSums(go: GoSandbox, module: FixtureModule): Promise<void> {
  const keys = module.versions.map((v) => `${module.path}@${v.version}`);
  const downloaded = parseJsonStream<DownloadedModule>((await go.runOk(["mod", "download", "-json", ...keys])).stdout);
  const sums = expectedSums(module);
  assert.deepEqual(
    downloaded.map((d) => [d.Version, { Sum: d.Sum, GoModSum: d.GoModSum }]),
    module.versions.map((v) => [v.version, sums.get(v.version)]),
  );
}

describe("private modules fetched from version control by modproxy", function () {
  let host: PrivateGitHost;
  let env: ModproxyOverFixtures;
  let secret: FixtureModule;
  const clients: GoSandbox[] = [];
  const newClient = async () => {
    const go = await clientOf(env);
    clients.push(go);
    return go;
  };

  before(async function () {
    host = await startPrivateGitHost();
    secret = host.modules.find((m) => m.path === SECRET) as FixtureModule;
    env = await startModproxyOverFixtures({
      upstreamTimeoutMs: 5000,
      config: { goPrivate: PRIVATE_HOST, vcsCredentialsFile: host.credentialsFile },
      directEnv: host.directEnv,
    });
  });
  after(async () => {
    await Promise.all(clients.map((go) => go.remove()));
    await env?.stop();
    await host?.remove();
  });

  it("go mod download -json gets every version with the hashes of the fixture sources", async function () {
    await assertDownloadsWithFixtureSums(await newClient(), secret);
  });

  it("go build of a program using the private module, which needs a public one, works", async function () {
    const go = await newClient();
    const dir = await go.newWorkDir();
    await go.runOk(["mod", "init", "example.com/e2e/private-user"], { cwd: dir });
    await fs.writeFile(path.join(dir, "main.go"), MAIN_PROGRAM);
    await go.runOk(["get", `${SECRET}@v1.1.0`], { cwd: dir });
    await go.runOk(["build", "-o", "prog", "."], { cwd: dir });
    const run = await go.runOk(["run", "."], { cwd: dir });
    assert.equal(run.stdout, MAIN_PROGRAM_OUTPUT);
    const goSum = await readGoSum(path.join(dir, "go.sum"));
    const v110 = expectedSums(secret).get("v1.1.0");
    assert.ok(goSum.includes(`${SECRET} v1.1.0 ${v110?.Sum}`), goSum.join("\n"));
    for (const line of env.tree.goSumLines("example.com/fixture/greet", "v1.1.0")) assert.ok(goSum.includes(line), `go.sum lacks ${line}`);
  });

  it("never names the private module to the upstream proxy, and git saw only the proxy's credentials", async function () {
    assert.ok(env.upstream.requests.length > 0, "the public module came from the upstream");
    assert.deepEqual(
      env.upstream.requests.filter((r) => r.path.includes(PRIVATE_HOST) || r.path.includes("secret")),
      [],
    );
    const authenticated = host.server.requests.filter((r) => r.status !== 401);
    assert.ok(authenticated.length > 0);
    for (const r of authenticated) assert.equal(r.user, "fixture-reader");
  });

  it("stores the private versions and serves them with the git server gone", async function () {
    for (const v of secret.versions) {
      const stored = await fs.readFile(path.join(env.storageDir, ...encodeCase(SECRET).split("/"), "@v", `${encodeCase(v.version)}.zip`));
      assert.ok(stored.length > 0);
    }
    await host.server.close();
    await assertDownloadsWithFixtureSums(await newClient(), secret);
  });
});

describe("direct at the end of the upstream list", function () {
  let host: PrivateGitHost;
  let env: ModproxyOverFixtures;

  before(async function () {
    host = await startPrivateGitHost();
    // Not private (so "direct" in the list is what fetches it), but kept out of the checksum database.
    env = await startModproxyOverFixtures({
      upstreamTimeoutMs: 5000,
      upstreamList: (fixture) => `${fixture},direct`,
      config: { goNoSumDb: PRIVATE_HOST, vcsCredentialsFile: host.credentialsFile },
      directEnv: host.directEnv,
    });
  });
  after(async () => {
    await env?.stop();
    await host?.remove();
  });

  it("serves a module only git has after the upstream proxy answers 404, and public ones from the proxy", async function () {
    const go = await clientOf(env);
    try {
      const secret = host.modules.find((m) => m.path === SECRET) as FixtureModule;
      await assertDownloadsWithFixtureSums(go, secret);
      assert.ok(
        env.upstream.requests.some((r) => r.path.includes(SECRET)),
        "the upstream proxy was asked first",
      );
      const gitRequests = host.server.requests.length;
      assert.equal((await rawRequest(env.proxy.url, "/example.com/fixture/greet/@v/list")).status, 200);
      assert.equal(host.server.requests.length, gitRequests, "a module the upstream has never goes to git");
    } finally {
      await go.remove();
    }
  });
});
