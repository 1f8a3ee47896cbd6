import * as assert from "node:assert/strict";
import { eksSecretsEncryption } from "../../../../policies/rules/eks/eks-secrets-encryption";
import { messages, resource } from "../../helpers";

describe("eks-secrets-encryption", () => {
  it("passes secrets encrypted with a KMS key", async () => {
    const cluster = resource("aws:eks/cluster:Cluster", "eks", {
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" } },
    });
    assert.deepEqual(await messages(eksSecretsEncryption, [cluster]), []);
  });
  it("reports a cluster without encryption config", async () => {
    const cluster = resource("aws:eks/cluster:Cluster", "eks", { vpcConfig: {} });
    assert.deepEqual(await messages(eksSecretsEncryption, [cluster]), ['encryptionConfig must list "secrets" and name a KMS key in provider.keyArn.']);
  });
});
