import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { iamMatches, listOf, policyDocument } from "../../lib/iam";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach, unlessUnknown } from "../../lib/unknowns";
import { isRecord, recordAt, stringAt } from "../../lib/values";

/**
 * True when the Resource list covers a bucket and every object in it. With the bucket's name known
 * the pair must match that name; otherwise some bucket ARN must be listed with its "/*".
 */
function coversBucketAndObjects(resources: unknown[], bucketName: string | undefined): boolean {
  // Bucket names are unique across a partition, so the partition itself need not match.
  const patterns = resources.filter((r): r is string => typeof r === "string").map((r) => r.replace(/^arn:[^:]*:s3:::/, ""));
  const covers = (target: string) => patterns.some((p) => iamMatches(p, target));
  const buckets = bucketName !== undefined ? [bucketName] : patterns.filter((p) => !p.includes("/"));
  return buckets.some((bucket) => covers(bucket) && covers(`${bucket}/*`));
}

/** True for a Deny of every S3 action, to every principal, on the bucket and its objects, when aws:SecureTransport is false. */
function deniesInsecureTransport(statement: unknown, bucketName: string | undefined): boolean {
  if (!isRecord(statement) || statement.Effect !== "Deny") {
    return false;
  }
  const principal = statement.Principal;
  const everyone = principal === "*" || (isRecord(principal) && listOf(principal.AWS).includes("*"));
  const everyAction = listOf(statement.Action).some((a) => typeof a === "string" && ["s3:*", "*"].includes(a.toLowerCase()));
  const condition = recordAt(statement.Condition);
  const onPlainHttp = ["Bool", "BoolIfExists"].some((operator) =>
    Object.entries(recordAt(condition[operator])).some(
      ([key, value]) => key.toLowerCase() === "aws:securetransport" && listOf(value).some((v) => String(v).toLowerCase() === "false"),
    ),
  );
  return everyone && everyAction && onPlainHttp && coversBucketAndObjects(listOf(statement.Resource), bucketName);
}

/** A bucket's name: its own when set or known, else the one its policy is attached by; undefined while unknown. */
function bucketNameOf(bucket: PolicyResource, policy: PolicyResource | undefined): string | undefined {
  const known = (read: () => unknown) => unlessUnknown(() => stringAt(read()), undefined);
  return known(() => bucket.props.bucket) ?? known(() => bucket.props.arn)?.replace(/^arn:[^:]*:s3:::/, "") ?? known(() => policy?.props.bucket);
}

export const s3BucketPolicyRequiresTls: StackValidationPolicy = {
  name: "s3-bucket-policy-requires-tls",
  description:
    "Every S3 bucket has a bucket policy that denies every S3 action (s3:*) to every principal on the bucket and its objects when a request is not made over TLS (aws:SecureTransport false).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const policies = args.resources.filter(isOneOf(types.bucketPolicy));
    checkEach(args.resources.filter(isOneOf(types.bucket)), (bucket) => {
      const attached = policies.filter((p) => refersTo(p, "bucket", bucket, ["bucket"]));
      if (attached.length === 0) {
        reportViolation(`Bucket "${bucket.name}" has no BucketPolicy denying non-TLS access.`, bucket.urn);
        return;
      }
      const enforced = attached.some((p) => {
        const statements = listOf(policyDocument(p.props.policy).Statement);
        return statements.some((statement) => deniesInsecureTransport(statement, bucketNameOf(bucket, p)));
      });
      if (!enforced) {
        reportViolation(
          `Bucket "${bucket.name}" bucket policy has no statement denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false.`,
          bucket.urn,
        );
      }
    });
  },
};
