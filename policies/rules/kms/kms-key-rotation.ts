import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const kmsKeyRotation: ResourceValidationPolicy = {
  name: "kms-key-rotation",
  description:
    "Symmetric KMS keys with key material KMS made rotate automatically (enableKeyRotation) at least as often as the maximum period; asymmetric, HMAC and custom key store keys, which KMS cannot rotate, are exempt.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maximumRotationDays: { type: "integer", default: 365, description: "Longest rotation period allowed (KMS rotates yearly unless told otherwise)." },
    },
  },
  validateResource: validateResourceOfTypes(types.kmsKey, (props, args, reportViolation) => {
    const { maximumRotationDays } = args.getConfig<{ maximumRotationDays: number }>();
    const spec = stringAt(props.customerMasterKeySpec) ?? "SYMMETRIC_DEFAULT";
    const usage = stringAt(props.keyUsage) ?? "ENCRYPT_DECRYPT";
    if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT" || props.customKeyStoreId !== undefined) {
      return;
    }
    if (props.enableKeyRotation !== true) {
      reportViolation("Key rotation is off: set enableKeyRotation to true.");
    } else if (typeof props.rotationPeriodInDays === "number" && props.rotationPeriodInDays > maximumRotationDays) {
      reportViolation(`The key rotates every ${props.rotationPeriodInDays} days, beyond the maximum of ${maximumRotationDays}.`);
    }
  }),
};
