import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const acmCertificateDnsValidation: ResourceValidationPolicy = {
  name: "acm-certificate-dns-validation",
  description:
    "ACM certificates are requested with DNS validation (so they renew unattended); private-CA certificates are exempt, imported ones only when allowed by config.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowImportedCertificates: {
        type: "boolean",
        default: false,
        description: "Allow imported certificates (e.g. from a self-managed CA in a dev stack), which ACM neither validates nor renews.",
      },
    },
  },
  validateResource: validateResourceOfTypes(types.certificate, (props, args, reportViolation) => {
    const { allowImportedCertificates } = args.getConfig<{ allowImportedCertificates: boolean }>();
    if (stringAt(props.certificateAuthorityArn)) {
      return;
    }
    if (stringAt(props.certificateBody)) {
      if (!allowImportedCertificates) {
        reportViolation("The certificate is imported, so ACM neither validates nor renews it: request a DNS-validated one, or set allowImportedCertificates.");
      }
      return;
    }
    if (props.validationMethod !== "DNS") {
      reportViolation(`validationMethod is ${stringAt(props.validationMethod) ?? "unset"}; use DNS.`);
    }
  }),
};
