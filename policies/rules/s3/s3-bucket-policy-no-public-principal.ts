import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowsAnyPrincipal, statementsOf } from "../../lib/iam";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringAt } from "../../lib/values";

export const s3BucketPolicyNoPublicPrincipal: ResourceValidationPolicy = {
  name: "s3-bucket-policy-no-public-principal",
  description:
    'Bucket policies (a BucketPolicy, or a bucket\'s inline policy) allow nothing to any principal ("*", {"AWS": "*"} or NotPrincipal) unless a condition pins it to known accounts, organizations or networks; deny statements may name everyone.',
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes([...types.bucketPolicy, ...types.bucket], (props, _args, reportViolation) => {
    statementsOf(props.policy).forEach((statement, i) => {
      if (allowsAnyPrincipal(statement)) {
        const sid = stringAt(recordAt(statement).Sid);
        reportViolation(
          `Bucket policy statement ${sid ? `"${sid}"` : String(i)} allows any principal without a condition pinning it to an account, organization or network.`,
        );
      }
    });
  }),
};
