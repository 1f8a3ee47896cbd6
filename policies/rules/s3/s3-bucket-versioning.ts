import { StackValidationPolicy } from "@pulumi/policy";
import { configurationsOf } from "../../lib/s3";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { recordAt, stringAt } from "../../lib/values";

export const s3BucketVersioning: StackValidationPolicy = {
  name: "s3-bucket-versioning",
  description:
    "Every S3 bucket keeps versioning Enabled, so a module or log overwritten or deleted by mistake or by an attacker with write access can be recovered.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    checkEach(args.resources.filter(isOneOf(types.bucket)), (bucket) => {
      const statuses = configurationsOf(bucket, args.resources, types.bucketVersioning).map((v) => stringAt(recordAt(v.props.versioningConfiguration).status));
      const inline = recordAt(bucket.props.versioning).enabled;
      if (inline !== undefined) {
        statuses.push(inline === true ? "Enabled" : "Suspended");
      }
      if (statuses.length === 0) {
        reportViolation(`Bucket "${bucket.name}" has no versioning configuration; enable versioning.`, bucket.urn);
      } else if (!statuses.every((status) => status === "Enabled")) {
        reportViolation(`Bucket "${bucket.name}" versioning is ${statuses.filter((s) => s !== "Enabled").join(", ")}; keep it Enabled.`, bucket.urn);
      }
    });
  },
};
