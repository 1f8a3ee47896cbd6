import { StackValidationPolicy } from "@pulumi/policy";
import { configurationsOf } from "../../lib/s3";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { recordAt } from "../../lib/values";

export const s3BucketAclsDisabled: StackValidationPolicy = {
  name: "s3-bucket-acls-disabled",
  description:
    "Every S3 bucket has ownership controls set to BucketOwnerEnforced, which turns ACLs off, so access is decided by policies alone and no object a writer uploads can carry its own grants.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    checkEach(args.resources.filter(isOneOf(types.bucket)), (bucket) => {
      const ownerships = configurationsOf(bucket, args.resources, types.bucketOwnershipControls).map((c) => recordAt(c.props.rule).objectOwnership);
      if (!ownerships.includes("BucketOwnerEnforced")) {
        reportViolation(
          `Bucket "${bucket.name}" does not set object ownership to BucketOwnerEnforced (${ownerships.length > 0 ? ownerships.map(String).join(", ") : "no BucketOwnershipControls"}), so ACLs still apply.`,
          bucket.urn,
        );
      }
    });
  },
};
