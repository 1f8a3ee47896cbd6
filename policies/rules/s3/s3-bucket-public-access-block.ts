import { StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";

const publicAccessBlockSettings = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3BucketPublicAccessBlock: StackValidationPolicy = {
  name: "s3-bucket-public-access-block",
  description: "Every S3 bucket has a public access block with all four settings on, so no ACL or policy can make the module cache public.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const blocks = args.resources.filter(isOneOf(types.bucketPublicAccessBlock));
    checkEach(args.resources.filter(isOneOf(types.bucket)), (bucket) => {
      const block = blocks.find((b) => refersTo(b, "bucket", bucket, ["bucket"]));
      if (!block) {
        reportViolation(`Bucket "${bucket.name}" has no BucketPublicAccessBlock.`, bucket.urn);
        return;
      }
      const off = publicAccessBlockSettings.filter((s) => block.props[s] !== true);
      if (off.length > 0) {
        reportViolation(`Bucket "${bucket.name}" public access block "${block.name}" does not set ${off.join(", ")} to true.`, bucket.urn);
      }
    });
  },
};
