import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { credentialsFor, NetrcFile, NetrcFileError, parseNetrc } from "../../proxy-app/src/netrc";

describe(".netrc parser", () => {
  it("reads machine, login and password across lines and in any order", () => {
    const entries = parseNetrc(
      ["machine git.example.com login bot password s3cret", "machine goproxy.example.com:8443", "  password tok#en", "  login ci"].join("\n"),
    );
    assert.deepEqual(entries, [
      { machine: "git.example.com", login: "bot", password: "s3cret" },
      { machine: "goproxy.example.com:8443", login: "ci", password: "tok#en" },
    ]);
  });

  it("skips comments, macdef bodies and account, and keeps default apart", () => {
    const text = [
      "# credentials for CI",
      "machine a.example login alice # trailing comment",
      "  password one",
      "macdef init",
      "machine never.example login mallory password nope",
      "cd /pub",
      "",
      "machine b.example login bob account acct password two",
      "default login anonymous password guest",
    ].join("\r\n");
    assert.deepEqual(parseNetrc(text), [
      { machine: "a.example", login: "alice", password: "one" },
      { machine: "b.example", login: "bob", password: "two" },
      { login: "anonymous", password: "guest" },
    ]);
  });

  it("finds credentials by host or host:port, never from default or an entry without a password", () => {
    const entries = parseNetrc(
      "machine a.example login alice password one\nmachine a.example:8443 login carol password three\nmachine nopass.example login dave\ndefault login anonymous password guest",
    );
    assert.deepEqual(credentialsFor(entries, "a.example"), { login: "alice", password: "one" });
    assert.deepEqual(credentialsFor(entries, "A.Example:8443"), { login: "carol", password: "three" });
    assert.equal(credentialsFor(entries, "a.example:9000"), undefined);
    assert.equal(credentialsFor(entries, "nopass.example"), undefined);
    assert.equal(credentialsFor(entries, "other.example"), undefined);
  });
});

describe(".netrc file", () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-netrc-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("is read again when it changes, and keeps the last credentials while it is gone", async () => {
    const file = path.join(dir, "netrc");
    await fs.writeFile(file, "machine a.example login bot password old\n");
    const netrc = await NetrcFile.open(file);
    assert.deepEqual(await netrc.credentialsFor("a.example"), { login: "bot", password: "old" });
    // A Secret rotation: a new file takes the old one's place.
    await fs.writeFile(`${file}.new`, "machine a.example login bot password rotated\n");
    await fs.rename(`${file}.new`, file);
    assert.deepEqual(await netrc.credentialsFor("a.example"), { login: "bot", password: "rotated" });
    await fs.rm(file);
    assert.deepEqual(await netrc.credentialsFor("a.example"), { login: "bot", password: "rotated" });
  });

  it("stops the start when it cannot be read", async () => {
    await assert.rejects(
      NetrcFile.open(path.join(dir, "missing")),
      (e: Error) => e instanceof NetrcFileError && /cannot read the credentials file .*missing/.test(e.message),
    );
  });
});
