import * as assert from "node:assert/strict";
import { loadBalancerDesyncMitigation } from "../../../../policies/rules/lb/lb-desync-mitigation";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:lb/loadBalancer:LoadBalancer", "alb", { loadBalancerType: "application", internal: true });

describe("lb-desync-mitigation", () => {
  it("passes the default (defensive) and strictest", async () => {
    assert.deepEqual(await messages(loadBalancerDesyncMitigation, [baseline, changed(baseline, "desyncMitigationMode", "strictest")]), []);
  });
  it("reports monitor mode", async () => {
    assert.deepEqual(await messages(loadBalancerDesyncMitigation, [changed(baseline, "desyncMitigationMode", "monitor")]), [
      "desyncMitigationMode is monitor, which forwards ambiguous requests: use defensive or strictest.",
    ]);
  });
});
