import * as assert from "assert";
import { Certificates } from "../../components/certificates";
import { synthesizeComponent } from "./resources";

describe("runOffline", () => {
  it("rejects with the program's error and keeps what the program registered out of other runs", async () => {
    const before = await synthesizeComponent(() => undefined);
    await assert.rejects(
      synthesizeComponent(() => new Certificates("leaky", { domainName: "goproxy.example.com", source: "acm" })),
      /hostedZoneId is required/,
    );
    const after = await synthesizeComponent(() => undefined);
    for (const result of [before, after]) {
      assert.deepStrictEqual(
        result.resources.map((r) => r.type),
        ["pulumi:pulumi:Stack"],
      );
    }
  });
});
