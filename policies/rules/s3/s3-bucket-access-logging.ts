import { StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../../lib/references";
import { bucketsExceptLogBuckets, configurationsOf } from "../../lib/s3";
import { types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { recordAt } from "../../lib/values";

export const s3BucketAccessLogging: StackValidationPolicy = {
  name: "s3-bucket-access-logging",
  description:
    "Every S3 bucket logs its requests (server access logging) to another bucket, so reads and writes of cached modules can be traced; buckets that receive access logs are exempt, since logging them would log the logging.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    checkEach(bucketsExceptLogBuckets(args.resources), (bucket) => {
      const standalone = configurationsOf(bucket, args.resources, types.bucketLogging);
      if (standalone.length === 0 && recordAt(bucket.props.logging).targetBucket === undefined) {
        reportViolation(`Bucket "${bucket.name}" has no server access logging.`, bucket.urn);
        return;
      }
      if (standalone.some((logging) => refersTo(logging, "targetBucket", bucket, ["bucket"]))) {
        reportViolation(`Bucket "${bucket.name}" logs its access into itself; send it to a separate log bucket.`, bucket.urn);
      }
    });
  },
};
