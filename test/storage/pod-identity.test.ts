import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { runModproxy } from "../support/modproxy-cli";
import { S3_TEST_ENV, S3TestServer, startS3Server } from "../support/s3-server";

// The blueprint's default gives the pods their S3 role through EKS Pod Identity: EKS injects
// AWS_CONTAINER_CREDENTIALS_FULL_URI (the node's agent at 169.254.170.23) and a token file, and the
// AWS SDK's default chain fetches credentials there. This runs the modproxy command against a real
// S3 server with no other credentials at all, its agent a stand-in on loopback.

const TOKEN = "eks-pod-identity-token-of-the-proxy";

interface Agent {
  url: string;
  /** The Authorization header of every request the agent answered. */
  seen: (string | undefined)[];
  close(): Promise<void>;
}

async function startAgent(): Promise<Agent> {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== TOKEN) return void res.writeHead(403).end();
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    res
      .writeHead(200, { "Content-Type": "application/json" })
      .end(JSON.stringify({ AccessKeyId: "ASIAPODIDENTITY", SecretAccessKey: "pod-identity-secret", Token: "pod-identity-session", Expiration: expiration }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/credentials`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("S3 credentials through EKS Pod Identity", function () {
  this.timeout(120_000);
  let s3: S3TestServer;
  let agent: Agent;
  let bucket: string;
  let dir: string;
  before(async () => {
    s3 = await startS3Server();
    bucket = await s3.createBucket();
    agent = await startAgent();
    dir = await mkdtemp(path.join(os.tmpdir(), "modproxy-pod-identity-"));
  });
  after(async () => {
    await agent?.close();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `modproxy gc` (a dry run, which lists the bucket) with only what EKS gives a pod with an association. */
  async function gcWithTokenFile(token: string) {
    const tokenFile = path.join(dir, "eks-pod-identity-token");
    await writeFile(tokenFile, token);
    agent.seen.length = 0;
    return runModproxy(["gc", "--unused-for", "1h", "--storage", "s3", "--s3-bucket", bucket, "--s3-endpoint", s3.endpoint], {
      AWS_REGION: S3_TEST_ENV.AWS_REGION,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: agent.url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      // Nothing else to fall back on: no keys, profiles, web identity or instance metadata.
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_SESSION_TOKEN: "",
      AWS_PROFILE: "",
      AWS_WEB_IDENTITY_TOKEN_FILE: "",
      AWS_CONFIG_FILE: path.join(dir, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
  }

  it("reaches the bucket with the credentials the agent hands out for the pod's token", async () => {
    const result = await gcWithTokenFile(TOKEN);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(agent.seen.length > 0 && agent.seen.every((header) => header === TOKEN), JSON.stringify(agent.seen));
  });

  it("fails, having asked the agent, when the agent refuses the token", async () => {
    const result = await gcWithTokenFile("a-token-of-another-pod");
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /Could not load credentials/);
    assert.ok(agent.seen.includes("a-token-of-another-pod"));
  });
});
