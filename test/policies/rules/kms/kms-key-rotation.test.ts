import * as assert from "node:assert/strict";
import { kmsKeyRotation } from "../../../../policies/rules/kms/kms-key-rotation";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:kms/key:Key", "cache-key", { description: "module cache", enableKeyRotation: true, deletionWindowInDays: 30 });

describe("kms-key-rotation", () => {
  it("passes a rotating symmetric key", async () => {
    assert.deepEqual(await messages(kmsKeyRotation, [baseline]), []);
  });
  it("reports rotation turned off", async () => {
    assert.deepEqual(await messages(kmsKeyRotation, [changed(baseline, "enableKeyRotation", false)]), ["Key rotation is off: set enableKeyRotation to true."]);
  });
  it("reports a rotation period beyond the maximum", async () => {
    assert.deepEqual(await messages(kmsKeyRotation, [changed(baseline, "rotationPeriodInDays", 730)]), [
      "The key rotates every 730 days, beyond the maximum of 365.",
    ]);
  });
  it("exempts asymmetric keys, which KMS cannot rotate", async () => {
    const signing = changed(changed(baseline, "enableKeyRotation", undefined), "customerMasterKeySpec", "ECC_NIST_P256");
    assert.deepEqual(await messages(kmsKeyRotation, [changed(signing, "keyUsage", "SIGN_VERIFY")]), []);
  });
});
