import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

/** A self-signed ECDSA P-256 certificate for 127.0.0.1, for clients told to trust it (SSL_CERT_FILE). */
export async function makeLoopbackCertificate(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  return { certFile, keyFile };
}

/** A certificate authority of the tests' own, to issue server certificates from and to trust explicitly. */
export interface TestCa {
  certFile: string;
  /** A certificate and key for the given names (DNS names or IP addresses), signed by this CA. */
  issue(names: string[]): Promise<{ certFile: string; keyFile: string }>;
}

export async function makeTestCa(dir: string): Promise<TestCa> {
  const run = (args: string[]) => promisify(execFile)("openssl", args);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"];
  const certFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "ca-key.pem");
  await run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-subj",
    "/CN=modproxy test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  let issued = 0;
  return {
    certFile,
    async issue(names) {
      const n = ++issued;
      const leaf = { certFile: path.join(dir, `server-${n}.pem`), keyFile: path.join(dir, `server-${n}-key.pem`) };
      const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(",");
      await run([
        "req",
        "-x509",
        "-CA",
        certFile,
        "-CAkey",
        keyFile,
        ...ec,
        "-keyout",
        leaf.keyFile,
        "-out",
        leaf.certFile,
        "-subj",
        `/CN=${names[0]}`,
        "-addext",
        `subjectAltName=${san}`,
        "-addext",
        "basicConstraints=critical,CA:FALSE",
      ]);
      return leaf;
    },
  };
}
