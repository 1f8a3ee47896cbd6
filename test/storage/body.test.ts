import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BodyReader } from "../../proxy-app/src/storage/body";

describe("BodyReader", () => {
  it("counts the bytes and reports no failure of a body read whole", async () => {
    const reader = new BodyReader(Readable.from([Buffer.from("ab"), "cde"]));
    const got: Buffer[] = [];
    for await (const chunk of reader.chunks()) got.push(chunk);
    assert.equal(Buffer.concat(got).toString(), "abcde");
    assert.equal(reader.bytes, 5);
    assert.equal(reader.failed, false);
  });

  it("says the body failed when the body errors", async () => {
    const body = new PassThrough();
    const reader = new BodyReader(body);
    body.write("part");
    const failure = new Error("connection reset");
    const copying = pipeline(Readable.from(reader.chunks()), new PassThrough().resume());
    setImmediate(() => body.destroy(failure));
    await assert.rejects(copying, (err) => err === failure);
    assert.equal(reader.failed, true);
  });

  it("does not count it the body's failure when the destination's error is thrown into it", async () => {
    const reader = new BodyReader(Readable.from([Buffer.from("first"), Buffer.from("second")]));
    const chunks = reader.chunks();
    assert.equal((await chunks.next()).value?.toString(), "first");
    // What Readable.from does to the generator when pipeline or Upload destroys it with their own error.
    const full = Object.assign(new Error("no space left on device, write"), { code: "ENOSPC" });
    await assert.rejects(chunks.throw(full), (err) => err === full);
    assert.equal(reader.failed, false);
  });
});
