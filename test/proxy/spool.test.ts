import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { Spool, SpoolClosedError, sweepSpool } from "../../proxy-app/src/spool";

const limitError = () => new Error("too big");
const shortError = () => new Error("short");

async function drain(r: Readable, got: Buffer[]): Promise<void> {
  for await (const c of r) got.push(c as Buffer);
}

describe("Spool", function () {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), "modproxy-spool-"))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("gives readers every byte but the last until released, then the end", async () => {
    const spool = await Spool.create(dir);
    const upstream = new PassThrough();
    const filling = spool.fill(upstream, 1 << 20, limitError, shortError);
    const got: Buffer[] = [];
    const reading = drain(spool.reader(), got);
    upstream.end(Buffer.from("abcdef"));
    await filling;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(Buffer.concat(got).toString(), "abcde", "the last byte is held back");
    spool.release();
    await reading;
    assert.equal(Buffer.concat(got).toString(), "abcdef");
  });

  it("fails every reader when the checks fail, and is gone afterwards", async () => {
    const spool = await Spool.create(dir);
    await spool.fill(Readable.from([Buffer.from("bad zip")]), 1 << 20, limitError, shortError);
    const reading = drain(spool.reader(), []);
    spool.fail(new Error("checksum mismatch"));
    await assert.rejects(reading, /checksum mismatch/);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await fs.readdir(dir), []);
    assert.throws(() => spool.reader(), SpoolClosedError);
  });

  it("refuses a body over the limit, and one shorter than announced", async () => {
    const big = await Spool.create(dir);
    await assert.rejects(big.fill(Readable.from([Buffer.alloc(10)]), 5, limitError, shortError), /too big/);
    big.fail(new Error("too big"));
    const short = await Spool.create(dir, 10);
    await assert.rejects(short.fill(Readable.from([Buffer.alloc(4)]), 100, limitError, shortError), /short/);
    short.fail(new Error("short"));
  });

  it("sweeps only spool files old enough to belong to no live fetch", async () => {
    await fs.writeFile(path.join(dir, "old.spool"), "x");
    await fs.writeFile(path.join(dir, "fresh.spool"), "x");
    const hourAgo = new Date(Date.now() - 2 * 60 * 60_000);
    await fs.utimes(path.join(dir, "old.spool"), hourAgo, hourAgo);
    await sweepSpool(dir);
    assert.deepEqual(await fs.readdir(dir), ["fresh.spool"]);
  });
});
