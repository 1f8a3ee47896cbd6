import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { containerTools, ContainerTools } from "../support/container";
import { createGoSandbox, GoSandbox } from "../support/go";
import { readGoSum } from "../support/go-output";
import { ModproxyOverFixtures, startModproxyOverFixtures } from "../support/modproxy-under-test";
import { assertGoSumMatches } from "../support/sum-checks";
import { makeLoopbackCertificate } from "../support/tls";

// The README's "Builds in containers": an image build whose RUN go mod
// download goes through modproxy, here a proxy on the build host (--network
// host) that wants a token (a build secret) over HTTPS, warmed and then cut
// off from its upstream. The go command in the build verifies as a default
// client does, against the test's checksum database.

const TOKEN = "build-token";

const PROGRAM = `package main

import (
	"os"

	applib "example.com/fixture/app-lib"
)

func main() {
	os.Stdout.WriteString(applib.Welcome("container") + "\\n")
}
`;

const PROGRAM_OUTPUT = "!hello container from greet v1.1.0!\n";

const BUILD_MODULES = ["example.com/fixture/app-lib@v1.0.0", "example.com/fixture/greet@v1.1.0", "example.com/Fixture/MixedCase@v1.0.0"];

const DOCKERFILE = `ARG GO_VERSION
FROM docker.io/library/golang:\${GO_VERSION}-bookworm
# Build arguments are in the environment of RUN steps and not kept in the image.
ARG GOPROXY
# The test's checksum database; a real build leaves GOSUMDB at its default.
ARG GOSUMDB
# The test proxy's self-signed certificate, where Go looks for trusted ones;
# a proxy with a certificate from a public CA needs nothing here.
COPY proxy-cert.pem /etc/ssl/certs/
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=secret,id=netrc,target=/root/.netrc \\
    go env GOPROXY GOSUMDB GONOSUMDB && go mod download
COPY main.go ./
RUN --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 go build -o /usr/local/bin/app .
CMD ["app"]
`;

describe("docker build through modproxy with the upstream cut", function () {
  this.timeout(15 * 60_000);
  const tag = `localhost/modproxy-docker-build-test:${process.pid}`;
  let tools: ContainerTools;
  let env: ModproxyOverFixtures;
  let go: GoSandbox;
  let secrets: string;
  let context: string;
  let built = false;

  before(async function () {
    tools = await containerTools();
    secrets = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-build-secrets-"));
    const tokens = path.join(secrets, "tokens");
    await fs.writeFile(tokens, `${TOKEN}\n`);
    const { certFile, keyFile } = await makeLoopbackCertificate(secrets);
    env = await startModproxyOverFixtures({ upstreamTimeoutMs: 5000, config: { authTokensFile: tokens, tlsCertFile: certFile, tlsKeyFile: keyFile } });
    await fs.writeFile(path.join(secrets, "netrc"), `machine ${new URL(env.proxy.url).host} login ci password ${TOKEN}\n`, { mode: 0o600 });

    // A developer's verifying go command writes go.mod and go.sum, and so warms the proxy.
    go = await createGoSandbox(env.proxy.url, { GONOSUMDB: "", GOSUMDB: env.sumdb!.vkey, SSL_CERT_FILE: certFile });
    await fs.copyFile(path.join(secrets, "netrc"), path.join(go.root, "home", ".netrc"));
    context = await go.newWorkDir();
    await go.runOk(["mod", "init", "example.com/e2e/container"], { cwd: context });
    await fs.writeFile(path.join(context, "main.go"), PROGRAM);
    await go.runOk(["mod", "tidy"], { cwd: context });
    assertGoSumMatches(env.tree, await readGoSum(path.join(context, "go.sum")), BUILD_MODULES);
    await fs.writeFile(path.join(context, "Dockerfile"), DOCKERFILE);
    await fs.copyFile(certFile, path.join(context, "proxy-cert.pem"));
    await env.stopUpstream();
  });

  after(async function () {
    if (built) await tools.podman(["rmi", "-f", tag]).catch(() => undefined);
    await go?.remove();
    await env?.stop();
    if (secrets) await fs.rm(secrets, { recursive: true, force: true });
    await tools?.cleanup();
  });

  it("downloads, verifies and builds with nothing but modproxy, and the program runs", async function () {
    const goVersion = await tools.seedBaseImages();
    const started = performance.now();
    const output = await tools.buildah([
      "bud",
      "--isolation",
      "chroot",
      "--network",
      "host",
      "--secret",
      `id=netrc,src=${path.join(secrets, "netrc")}`,
      "--build-arg",
      `GO_VERSION=${goVersion}`,
      "--build-arg",
      `GOPROXY=${env.proxy.url}`,
      "--build-arg",
      `GOSUMDB=${env.sumdb!.vkey}`,
      "-t",
      tag,
      context,
    ]);
    built = true;
    console.log(`      image built through modproxy in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    // go env's three lines: the proxy, the test database's key, and an empty GONOSUMDB.
    assert.ok(output.includes(`\n${env.proxy.url}\n${env.sumdb!.vkey}\n\n`), `go env in the build said:\n${output}`);
    assert.equal(await tools.podman(["run", "--rm", "--network", "none", tag]), PROGRAM_OUTPUT.trim());
  });
});
