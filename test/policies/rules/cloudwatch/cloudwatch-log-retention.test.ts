import * as assert from "node:assert/strict";
import { cloudwatchLogRetention } from "../../../../policies/rules/cloudwatch/cloudwatch-log-retention";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:cloudwatch/logGroup:LogGroup", "flow-logs", { retentionInDays: 365 });

describe("cloudwatch-log-retention", () => {
  it("passes a year's retention, or events kept forever", async () => {
    assert.deepEqual(await messages(cloudwatchLogRetention, [baseline, changed(baseline, "retentionInDays", undefined)]), []);
  });
  it("reports a shorter retention, unless config lowers the minimum", async () => {
    const week = changed(baseline, "retentionInDays", 7);
    assert.deepEqual(await messages(cloudwatchLogRetention, [week]), ["retentionInDays is 7, below the minimum of 365."]);
    assert.deepEqual(await messages(cloudwatchLogRetention, [week], { "cloudwatch-log-retention": { minimumDays: 7 } }), []);
  });
});
