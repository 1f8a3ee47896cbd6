import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

// A real Kubernetes API server on loopback: etcd and kube-apiserver from
// test/fixtures/etcd and test/fixtures/kube-apiserver, built by
// scripts/check-tools.js (here too when mocha runs without `npm test`). No
// controllers or kubelet run, so objects are admitted and stored, and nothing
// more: which is what admission tests need.

export interface ApiResponse {
  status: number;
  body: { kind?: string; message?: string; reason?: string; [key: string]: unknown };
  /** The server's `Warning` headers, e.g. a PodSecurity warning for a workload. */
  warnings: string[];
}

export interface TestApiServer {
  /** e.g. "https://127.0.0.1:41234". */
  url: string;
  request(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<ApiResponse>;
  close(): Promise<void>;
}

const CHECK_TOOLS = path.resolve(__dirname, "..", "..", "scripts", "check-tools.js");
const START_TIMEOUT_MS = 90_000;

function binary(flag: string): string {
  return execFileSync(process.execPath, [CHECK_TOOLS, flag], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a process, keeping the tail of its output for the message if the start fails. */
function run(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
}

export async function startTestApiServer(): Promise<TestApiServer> {
  const [etcdBinary, apiserverBinary] = [binary("--etcd"), binary("--kube-apiserver")];
  const dir = mkdtempSync(path.join(os.tmpdir(), "modproxy-apiserver-"));
  const [etcdClientPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];

  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const etcd = run(etcdBinary, [
    `--data-dir=${path.join(dir, "etcd")}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    "--log-level=error",
  ]);

  // One bearer token in the system:masters group; service account tokens are signed with a fresh key.
  const token = randomBytes(24).toString("hex");
  writeFileSync(path.join(dir, "tokens.csv"), `${token},admin,admin,"system:masters"\n`);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(path.join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(path.join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  const certDir = path.join(dir, "certs");
  const apiserver = run(apiserverBinary, [
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    // The `kubernetes` Service's endpoints may not be a loopback address; no pod needs them here.
    "--endpoint-reconciler-type=none",
    `--secure-port=${apiPort}`,
    `--cert-dir=${certDir}`,
    `--token-auth-file=${path.join(dir, "tokens.csv")}`,
    "--authorization-mode=RBAC",
    // As EKS runs it: privileged pods are for Pod Security admission to refuse, not the API server's flag.
    "--allow-privileged=true",
    `--service-account-key-file=${path.join(dir, "sa.pub")}`,
    `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
    "--service-account-issuer=https://kubernetes.default.svc",
    // A range to allocate ClusterIPs from; no traffic goes there.
    "--service-cluster-ip-range=10.96.0.0/24",
  ]);

  const url = `https://127.0.0.1:${apiPort}`;
  let ca: Buffer | undefined;
  const request = (method: string, urlPath: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        `${url}${urlPath}`,
        {
          method,
          // kube-apiserver made its serving certificate, and the CA that signed it, in certDir.
          ca,
          headers: { authorization: `Bearer ${token}`, accept: "application/json", ...(payload ? { "content-type": contentType } : {}) },
          timeout: 30_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            let parsed: ApiResponse["body"];
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = { message: text };
            }
            const warning = res.headers.warning;
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings: warning === undefined ? [] : [warning].flat() });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
      req.on("error", reject);
      req.end(payload);
    });

  const close = async () => {
    await stop(apiserver.child);
    await stop(etcd.child);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    for (const [name, p] of [
      ["etcd", etcd],
      ["kube-apiserver", apiserver],
    ] as const) {
      if (p.child.exitCode !== null) {
        await close();
        throw new Error(`${name} exited (${p.child.exitCode}) before the API server was ready; its output:\n${p.output()}`);
      }
    }
    try {
      ca ??= readFileSync(path.join(certDir, "apiserver.crt"));
      const ready = await request("GET", "/readyz");
      if (ready.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const output = apiserver.output();
      await close();
      throw new Error(`kube-apiserver was not ready within ${START_TIMEOUT_MS} ms; its output:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { url, request, close };
}
