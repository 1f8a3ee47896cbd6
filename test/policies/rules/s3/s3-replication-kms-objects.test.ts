import * as assert from "node:assert/strict";
import { s3ReplicationKmsObjects } from "../../../../policies/rules/s3/s3-replication-kms-objects";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "replication", {
  bucket: "cache",
  role: "arn:aws:iam::123456789012:role/replication",
  rules: [
    {
      id: "all",
      status: "Enabled",
      filter: { prefix: "" },
      deleteMarkerReplication: { status: "Enabled" },
      sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
      destination: { bucket: "arn:aws:s3:::replica", encryptionConfiguration: { replicaKmsKeyId: "arn:aws:kms:eu-central-1:123456789012:key/r" } },
    },
  ],
});

describe("s3-replication-kms-objects", () => {
  it("passes a rule that replicates KMS-encrypted objects under a destination key", async () => {
    assert.deepEqual(await messages(s3ReplicationKmsObjects, [baseline]), []);
  });
  it("reports a rule that would skip them, and one without a destination key", async () => {
    assert.deepEqual(await messages(s3ReplicationKmsObjects, [changed(baseline, "rules.0.sourceSelectionCriteria", undefined)]), [
      'Replication rule "all" skips objects encrypted with KMS keys: set sourceSelectionCriteria.sseKmsEncryptedObjects to Enabled.',
    ]);
    assert.deepEqual(await messages(s3ReplicationKmsObjects, [changed(baseline, "rules.0.destination.encryptionConfiguration", undefined)]), [
      'Replication rule "all" names no destination encryptionConfiguration.replicaKmsKeyId to encrypt the copies with.',
    ]);
  });
  it("leaves disabled rules alone", async () => {
    const disabled = changed(changed(baseline, "rules.0.sourceSelectionCriteria", undefined), "rules.0.status", "Disabled");
    assert.deepEqual(await messages(s3ReplicationKmsObjects, [disabled]), []);
  });
});
