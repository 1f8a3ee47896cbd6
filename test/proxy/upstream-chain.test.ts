import assert from "node:assert/strict";
import { UpstreamChain } from "../../proxy-app/src/upstream/chain";
import { parseUpstreamList, UpstreamListError } from "../../proxy-app/src/upstream/list";
import { LookupDisabledError, NotFoundError, UpstreamError, UpstreamResponse, UpstreamTimeoutError } from "../../proxy-app/src/upstream/upstream";
import { ScriptedUpstream } from "../support/scripted-upstream";

describe("upstream list parser (GOPROXY syntax)", () => {
  it("records which separator follows each entry", () => {
    assert.deepEqual(parseUpstreamList("https://a.example,https://b.example|https://c.example,off"), [
      { target: "https://a.example", fallThroughOnError: false },
      { target: "https://b.example", fallThroughOnError: true },
      { target: "https://c.example", fallThroughOnError: false },
      { target: "off", fallThroughOnError: false },
    ]);
    assert.deepEqual(parseUpstreamList(" http://127.0.0.1:8080/go "), [{ target: "http://127.0.0.1:8080/go", fallThroughOnError: false }]);
    assert.deepEqual(parseUpstreamList("https://a.example|direct"), [
      { target: "https://a.example", fallThroughOnError: true },
      { target: "direct", fallThroughOnError: false },
    ]);
  });

  const bad: Record<string, RegExp> = {
    "": /empty/,
    "https://a.example,,https://b.example": /empty entry/,
    "https://a.example,": /empty entry/,
    "https://a.example,dirct": /"dirct" is not a URL/,
    "ftp://a.example": /http or https/,
    "not a url": /not a URL/,
    "https://a.example/?x=1": /query/,
  };
  for (const [list, why] of Object.entries(bad)) {
    it(`rejects ${JSON.stringify(list)}`, () =>
      assert.throws(
        () => parseUpstreamList(list),
        (e: Error) => e instanceof UpstreamListError && why.test(e.message),
      ));
  }
});

async function text(r: UpstreamResponse): Promise<string> {
  let s = "";
  for await (const c of r.body) s += c;
  return s;
}

describe("upstream chain fall-through", () => {
  const ok = () => new ScriptedUpstream("ok", () => "body");
  const notFound = () => new ScriptedUpstream("nf", () => new NotFoundError("nope", 410));
  const broken = () => new ScriptedUpstream("broken", () => new UpstreamError("500"));
  const slow = () => new ScriptedUpstream("slow", () => new UpstreamTimeoutError("timeout"));

  it('"," falls through on 404/410 only', async () => {
    const second = ok();
    assert.equal(
      await text(
        await new UpstreamChain([
          { upstream: notFound(), fallThroughOnError: false },
          { upstream: second, fallThroughOnError: false },
        ]).fetch("m/@v/list"),
      ),
      "body",
    );
    assert.deepEqual(second.asked, ["m/@v/list"]);
    const never = ok();
    await assert.rejects(
      new UpstreamChain([
        { upstream: broken(), fallThroughOnError: false },
        { upstream: never, fallThroughOnError: false },
      ]).fetch("m/@v/list"),
      UpstreamError,
    );
    assert.deepEqual(never.asked, []);
  });

  it('"|" falls through on any error, timeouts included', async () => {
    for (const failing of [broken(), slow()]) {
      const chain = new UpstreamChain([
        { upstream: failing, fallThroughOnError: true },
        { upstream: ok(), fallThroughOnError: false },
      ]);
      assert.equal(await text(await chain.fetch("m/@v/list")), "body");
    }
  });

  it("reports the last failure when every entry fails", async () => {
    await assert.rejects(
      new UpstreamChain([
        { upstream: broken(), fallThroughOnError: true },
        { upstream: notFound(), fallThroughOnError: false },
      ]).fetch("x"),
      (e) => e instanceof NotFoundError && e.status === 410,
    );
    await assert.rejects(
      new UpstreamChain([
        { upstream: notFound(), fallThroughOnError: false },
        { upstream: slow(), fallThroughOnError: false },
      ]).fetch("x"),
      UpstreamTimeoutError,
    );
  });

  it('stops at "off" even after a "|"', async () => {
    const off = new ScriptedUpstream("off", () => new LookupDisabledError("off"));
    const after = ok();
    await assert.rejects(
      new UpstreamChain([
        { upstream: off, fallThroughOnError: true },
        { upstream: after, fallThroughOnError: false },
      ]).fetch("x"),
      LookupDisabledError,
    );
    assert.deepEqual(after.asked, []);
  });
});
