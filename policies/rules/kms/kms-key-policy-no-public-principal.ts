import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowsAnyPrincipal, statementsOf } from "../../lib/iam";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringAt } from "../../lib/values";

export const kmsKeyPolicyNoPublicPrincipal: ResourceValidationPolicy = {
  name: "kms-key-policy-no-public-principal",
  description:
    'KMS key policies (on the key or a KeyPolicy) allow nothing to any principal ("*", {"AWS": "*"} or NotPrincipal) unless a condition pins it to known accounts, organizations or networks.',
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes([...types.kmsKey, ...types.kmsKeyPolicy], (props, _args, reportViolation) => {
    statementsOf(props.policy).forEach((statement, i) => {
      if (allowsAnyPrincipal(statement)) {
        const sid = stringAt(recordAt(statement).Sid);
        reportViolation(
          `Key policy statement ${sid ? `"${sid}"` : String(i)} allows any principal without a condition pinning it to an account, organization or network.`,
        );
      }
    });
  }),
};
