import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { arrayAt, recordAt, stringAt } from "../../lib/values";

export const s3ReplicationKmsObjects: ResourceValidationPolicy = {
  name: "s3-replication-kms-objects",
  description:
    "S3 replication rules replicate objects encrypted with KMS keys (sourceSelectionCriteria.sseKmsEncryptedObjects Enabled) and encrypt the copies with a key in the destination (replicaKmsKeyId); otherwise S3 silently skips every SSE-KMS object, which is all of a bucket s3-bucket-kms-encryption accepts.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.bucketReplication, (props, _args, reportViolation) => {
    for (const [i, rule] of arrayAt(props.rules).map(recordAt).entries()) {
      if (rule.status !== "Enabled") {
        continue;
      }
      const label = `Replication rule "${stringAt(rule.id) ?? i}"`;
      if (recordAt(recordAt(rule.sourceSelectionCriteria).sseKmsEncryptedObjects).status !== "Enabled") {
        reportViolation(`${label} skips objects encrypted with KMS keys: set sourceSelectionCriteria.sseKmsEncryptedObjects to Enabled.`);
      }
      if (stringAt(recordAt(recordAt(rule.destination).encryptionConfiguration).replicaKmsKeyId) === undefined) {
        reportViolation(`${label} names no destination encryptionConfiguration.replicaKmsKeyId to encrypt the copies with.`);
      }
    }
  }),
};
