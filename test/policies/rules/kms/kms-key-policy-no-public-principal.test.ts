import * as assert from "node:assert/strict";
import { kmsKeyPolicyNoPublicPrincipal } from "../../../../policies/rules/kms/kms-key-policy-no-public-principal";
import { changed, messages, resource } from "../../helpers";

const statements = [
  { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
  {
    Sid: "UseThroughS3",
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: "*",
    Condition: { StringEquals: { "kms:CallerAccount": "123456789012", "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
  },
];
const baseline = resource("aws:kms/key:Key", "cache-key", {
  enableKeyRotation: true,
  policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
});
const withStatement = (statement: object) =>
  changed(baseline, "policy", JSON.stringify({ Version: "2012-10-17", Statement: [statements[0], { ...statements[1], ...statement }] }));

describe("kms-key-policy-no-public-principal", () => {
  it("passes an account's own key policy and a wildcard principal pinned to the account", async () => {
    assert.deepEqual(await messages(kmsKeyPolicyNoPublicPrincipal, [baseline]), []);
  });
  it("reports a wildcard principal without a condition, on the key or a KeyPolicy", async () => {
    const open = withStatement({ Condition: undefined });
    assert.deepEqual(await messages(kmsKeyPolicyNoPublicPrincipal, [open]), [
      'Key policy statement "UseThroughS3" allows any principal without a condition pinning it to an account, organization or network.',
    ]);
    const keyPolicy = resource("aws:kms/keyPolicy:KeyPolicy", "cache-key-policy", { keyId: "k", policy: open.inputs.policy });
    assert.equal((await messages(kmsKeyPolicyNoPublicPrincipal, [keyPolicy])).length, 1);
  });
  it("reports a condition that pins nothing, and NotPrincipal", async () => {
    assert.equal((await messages(kmsKeyPolicyNoPublicPrincipal, [withStatement({ Condition: { StringLike: { "kms:CallerAccount": "*" } } })])).length, 1);
    assert.equal(
      (
        await messages(kmsKeyPolicyNoPublicPrincipal, [
          withStatement({ Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::1:root" }, Condition: undefined }),
        ])
      ).length,
      1,
    );
  });
});
