import * as assert from "node:assert/strict";
import { loadBalancerDropInvalidHeaders } from "../../../../policies/rules/lb/lb-drop-invalid-headers";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:lb/loadBalancer:LoadBalancer", "alb", { loadBalancerType: "application", internal: true, dropInvalidHeaderFields: true });

describe("lb-drop-invalid-headers", () => {
  it("passes an application load balancer dropping invalid headers", async () => {
    assert.deepEqual(await messages(loadBalancerDropInvalidHeaders, [baseline]), []);
  });
  it("reports one that passes them on, the AWS default", async () => {
    assert.deepEqual(await messages(loadBalancerDropInvalidHeaders, [changed(baseline, "dropInvalidHeaderFields", undefined)]), [
      "dropInvalidHeaderFields is not true: invalid headers reach the targets.",
    ]);
  });
  it("exempts network load balancers, which do not parse HTTP", async () => {
    assert.deepEqual(
      await messages(loadBalancerDropInvalidHeaders, [changed(changed(baseline, "dropInvalidHeaderFields", undefined), "loadBalancerType", "network")]),
      [],
    );
  });
});
