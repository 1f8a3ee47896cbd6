import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";

// A real S3-compatible server for the storage tests: moto's server on
// loopback, run from the venv scripts/check-tools.js installs (it installs it
// here too when mocha runs without `npm test`). Moto keeps everything in
// memory, so each run starts empty.

/** What the AWS SDK's default chain needs to reach moto, which accepts any credentials. */
export const S3_TEST_ENV = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "modproxy-test", AWS_SECRET_ACCESS_KEY: "modproxy-test" } as const;

export interface S3TestServer {
  /** e.g. "http://127.0.0.1:41234", for MODPROXY_S3_ENDPOINT. */
  endpoint: string;
  /** A client shared by the tests. */
  client: S3Client;
  /** A client of its own, for a test that adds middleware. */
  newClient(): S3Client;
  /** Creates an empty bucket with a name no other test uses. */
  createBucket(): Promise<string>;
  /** Empties and deletes a bucket. */
  deleteBucket(bucket: string): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const CHECK_TOOLS = path.resolve(__dirname, "..", "..", "scripts", "check-tools.js");

export async function startS3Server(): Promise<S3TestServer> {
  const python = execFileSync(process.execPath, [CHECK_TOOLS, "--moto-python"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  const child = spawn(python, ["-m", "moto.server", "--host", "127.0.0.1", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  const port = await listeningPort(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const newClient = () =>
    new S3Client({
      endpoint,
      forcePathStyle: true,
      region: S3_TEST_ENV.AWS_REGION,
      credentials: { accessKeyId: S3_TEST_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_TEST_ENV.AWS_SECRET_ACCESS_KEY },
    });
  const client = newClient();
  return {
    endpoint,
    client,
    newClient,
    async createBucket() {
      const bucket = `modproxy-test-${randomBytes(6).toString("hex")}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    async deleteBucket(bucket) {
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket })) {
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
        if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    },
    async stop() {
      client.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    },
  };
}

/**
 * Waits for werkzeug's "Running on http://127.0.0.1:<port>" line: it is
 * printed once the socket listens, and tells the port the OS chose.
 */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const fail = (why: string) => {
      child.kill("SIGKILL");
      reject(new Error(`moto server ${why}; its output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`moto server exited (${signal ?? code}) before listening; its output:\n${output}`));
    });
    // Moto logs every request to stderr; keep reading so the pipe never fills, keep only the start.
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      if (output.length < 16_384) output += chunk;
      const port = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
  });
}
