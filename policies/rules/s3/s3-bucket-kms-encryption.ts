import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { bucketsExceptLogBuckets, configurationsOf } from "../../lib/s3";
import { types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { arrayAt, recordAt, stringAt } from "../../lib/values";

const kmsAlgorithms = ["aws:kms", "aws:kms:dsse"];

/** The default-encryption rules a bucket has: from its configuration resources, or inline on an aws:s3/bucket:Bucket. */
function defaultEncryptionOf(bucket: PolicyResource, resources: readonly PolicyResource[]): { algorithm?: string; keyId?: string }[] {
  const rules = [
    ...configurationsOf(bucket, resources, types.bucketEncryption).flatMap((configuration) => arrayAt(configuration.props.rules)),
    ...[recordAt(bucket.props.serverSideEncryptionConfiguration).rule].filter((rule) => rule !== undefined),
  ];
  return rules.map((rule) => {
    const byDefault = recordAt(recordAt(rule).applyServerSideEncryptionByDefault);
    return { algorithm: stringAt(byDefault.sseAlgorithm), keyId: stringAt(byDefault.kmsMasterKeyId) };
  });
}

export const s3BucketKmsEncryption: StackValidationPolicy = {
  name: "s3-bucket-kms-encryption",
  description:
    "Every S3 bucket encrypts by default with a customer-managed KMS key (sseAlgorithm aws:kms or aws:kms:dsse with kmsMasterKeyId), whose use and rotation the stack controls; buckets receiving load balancer or S3 access logs are exempt, as AWS delivers those with SSE-S3 only.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    checkEach(bucketsExceptLogBuckets(args.resources), (bucket) => {
      const rules = defaultEncryptionOf(bucket, args.resources);
      if (rules.length === 0) {
        reportViolation(
          `Bucket "${bucket.name}" has no default encryption configuration, so S3 uses its own keys (SSE-S3); use a customer-managed KMS key.`,
          bucket.urn,
        );
        return;
      }
      const weak = rules.filter((rule) => !kmsAlgorithms.includes(rule.algorithm ?? "") || rule.keyId === undefined);
      for (const rule of weak) {
        const what = kmsAlgorithms.includes(rule.algorithm ?? "") ? `${rule.algorithm} with the AWS-managed key` : (rule.algorithm ?? "no algorithm");
        reportViolation(`Bucket "${bucket.name}" default encryption is ${what}; use a customer-managed KMS key (aws:kms with kmsMasterKeyId).`, bucket.urn);
      }
    });
  },
};
