import * as assert from "node:assert/strict";
import { loadBalancerTargetGroupTls } from "../../../../policies/rules/lb/lb-target-group-tls";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:lb/targetGroup:TargetGroup", "tg", {
  targetType: "instance",
  protocol: "HTTPS",
  port: 30080,
  healthCheck: { protocol: "HTTPS", path: "/readyz" },
});

describe("lb-target-group-tls", () => {
  it("passes HTTPS and TLS to the targets", async () => {
    assert.deepEqual(await messages(loadBalancerTargetGroupTls, [baseline, changed(baseline, "protocol", "TLS")]), []);
  });
  it("reports plain HTTP to the targets", async () => {
    assert.deepEqual(await messages(loadBalancerTargetGroupTls, [changed(baseline, "protocol", "HTTP")]), [
      "The target group forwards over HTTP: use HTTPS (or TLS), with the targets serving TLS.",
    ]);
  });
  it("exempts Lambda targets", async () => {
    assert.deepEqual(await messages(loadBalancerTargetGroupTls, [changed(changed(baseline, "protocol", undefined), "targetType", "lambda")]), []);
  });
});
