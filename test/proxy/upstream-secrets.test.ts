import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readAll } from "../../proxy-app/src/artifact";
import { NetrcFile } from "../../proxy-app/src/netrc";
import { Egress } from "../../proxy-app/src/upstream/egress";
import { HttpProxyUpstream } from "../../proxy-app/src/upstream/http-proxy";
import { RecordingUpstream, startRecordingUpstream } from "../support/recording-upstream";
import { makeTestCa } from "../support/tls";

// Credentials for upstreams live in the netrc file, never in URLs.

describe("upstream credentials from the netrc file", function () {
  let dir: string;
  let caPem: string;
  let upstream: RecordingUpstream;
  let plain: RecordingUpstream;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-upstream-netrc-"));
    const ca = await makeTestCa(dir);
    caPem = await fs.readFile(ca.certFile, "utf8");
    upstream = await startRecordingUpstream(() => ({ status: 200, body: "v1.0.0\n" }), await ca.issue(["127.0.0.1"]));
    plain = await startRecordingUpstream(() => ({ status: 200, body: "v1.0.0\n" }));
  });
  after(async () => {
    await upstream?.close();
    await plain?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("go as Basic auth to the machine named host:port, over HTTPS only, and follow the file when it changes", async () => {
    const file = path.join(dir, "netrc");
    await fs.writeFile(file, `machine 127.0.0.1:${upstream.port} login bot password first\nmachine 127.0.0.1:${plain.port} login bot password cleartext\n`);
    const credentials = await NetrcFile.open(file);
    const egress = new Egress({ extraCa: caPem });
    const basic = (password: string) => `Basic ${Buffer.from(`bot:${password}`).toString("base64")}`;
    const fetchOnce = async (u: HttpProxyUpstream) => readAll((await u.fetch("example.com/m/@v/list")).body, 1024, "list");
    try {
      const secure = new HttpProxyUpstream(`https://127.0.0.1:${upstream.port}/`, 5000, { egress, credentials });
      await fetchOnce(secure);
      assert.equal(upstream.requests.at(-1)?.authorization, basic("first"));
      await fs.writeFile(`${file}.new`, `machine 127.0.0.1:${upstream.port} login bot password rotated\n`);
      await fs.rename(`${file}.new`, file);
      await fetchOnce(secure);
      assert.equal(upstream.requests.at(-1)?.authorization, basic("rotated"));

      await fetchOnce(new HttpProxyUpstream(`http://127.0.0.1:${plain.port}/`, 5000, { egress, credentials }));
      assert.equal(plain.requests.at(-1)?.authorization, undefined);
    } finally {
      egress.close();
    }
  });
});
