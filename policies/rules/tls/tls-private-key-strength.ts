import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const tlsPrivateKeyStrength: ResourceValidationPolicy = {
  name: "tls-private-key-strength",
  description: "@pulumi/tls private keys are RSA of at least the minimum size, or ECDSA on an approved curve.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minimumRsaBits: { type: "integer", default: 2048, description: "Smallest RSA modulus allowed." },
      approvedEcdsaCurves: { type: "array", items: { type: "string" }, default: ["P256", "P384"], description: "ECDSA curves allowed." },
    },
  },
  validateResource: validateResourceOfTypes(types.tlsPrivateKey, (props, args, reportViolation) => {
    const { minimumRsaBits, approvedEcdsaCurves } = args.getConfig<{ minimumRsaBits: number; approvedEcdsaCurves: string[] }>();
    const algorithm = stringAt(props.algorithm);
    if (algorithm === "RSA") {
      // The provider's default modulus is 2048 bits.
      const bits = typeof props.rsaBits === "number" ? props.rsaBits : 2048;
      if (bits < minimumRsaBits) {
        reportViolation(`RSA key of ${bits} bits is below the minimum of ${minimumRsaBits}.`);
      }
    } else if (algorithm === "ECDSA") {
      // The provider's default curve is P224.
      const curve = stringAt(props.ecdsaCurve) ?? "P224";
      if (!approvedEcdsaCurves.includes(curve)) {
        reportViolation(`ECDSA curve ${curve} is not one of ${approvedEcdsaCurves.join(", ")}.`);
      }
    } else {
      reportViolation(`Algorithm ${algorithm ?? "(unset)"} is not allowed; use RSA or ECDSA.`);
    }
  }),
};
