import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringAt, stringsAt } from "../../lib/values";

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: 'EKS clusters encrypt Kubernetes secrets with a KMS key (encryptionConfig covering "secrets").',
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.eksCluster, (props, _args, reportViolation) => {
    const encryption = recordAt(props.encryptionConfig);
    if (!stringsAt(encryption.resources).includes("secrets") || !stringAt(recordAt(encryption.provider).keyArn)) {
      reportViolation('encryptionConfig must list "secrets" and name a KMS key in provider.keyArn.');
    }
  }),
};
