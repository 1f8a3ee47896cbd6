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
