import * as assert from "node:assert/strict";
import { loadBalancerInternal } from "../../../../policies/rules/lb/load-balancer-internal";
import { messages, resource } from "../../helpers";

describe("load-balancer-internal", () => {
  it("passes an internal load balancer", async () => {
    assert.deepEqual(await messages(loadBalancerInternal, [resource("aws:lb/loadBalancer:LoadBalancer", "alb", { internal: true })]), []);
  });
  it("reports an internet-facing one unless config allows it", async () => {
    const alb = resource("aws:alb/loadBalancer:LoadBalancer", "alb", { internal: false });
    assert.deepEqual(await messages(loadBalancerInternal, [alb]), [
      "The load balancer is internet-facing: set internal to true, or allowPublicLoadBalancer in the pack config.",
    ]);
    assert.deepEqual(await messages(loadBalancerInternal, [alb], { "load-balancer-internal": { allowPublicLoadBalancer: true } }), []);
  });
});
