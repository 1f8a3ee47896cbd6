import * as assert from "node:assert/strict";
import { loadBalancerAccessLogs } from "../../../../policies/rules/lb/lb-access-logs";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:lb/loadBalancer:LoadBalancer", "alb", {
  loadBalancerType: "application",
  internal: true,
  accessLogs: { bucket: "modproxy-logs", prefix: "alb", enabled: true },
});
const off = ["Access logs are off: set accessLogs with enabled true and a bucket."];

describe("lb-access-logs", () => {
  it("passes a load balancer writing access logs", async () => {
    assert.deepEqual(await messages(loadBalancerAccessLogs, [baseline]), []);
  });
  it("reports access logs turned off or missing", async () => {
    assert.deepEqual(await messages(loadBalancerAccessLogs, [changed(baseline, "accessLogs.enabled", false)]), off);
    assert.deepEqual(await messages(loadBalancerAccessLogs, [changed(baseline, "accessLogs", undefined)]), off);
  });
  it("exempts gateway load balancers", async () => {
    assert.deepEqual(await messages(loadBalancerAccessLogs, [changed(changed(baseline, "accessLogs", undefined), "loadBalancerType", "gateway")]), []);
  });
});
