import { StackValidationPolicy } from "@pulumi/policy";
import { metadataOf, podSpecOf, serviceAccountType, workloadTypes } from "../../lib/kubernetes";
import { isOneOf } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { stringAt } from "../../lib/values";

export const kubernetesServiceAccountTokenNotAutomounted: StackValidationPolicy = {
  name: "k8s-service-account-token-not-automounted",
  description:
    "Pods mount no Kubernetes API token (automountServiceAccountToken false on the pod, or on its service account when the pod does not say), unless their service account is listed as one that calls the API; IRSA projects its own token regardless.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      apiServiceAccounts: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: 'Service accounts, as "namespace/name", whose pods call the Kubernetes API and so need its token.',
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { apiServiceAccounts } = args.getConfig<{ apiServiceAccounts: string[] }>();
    const accounts = args.resources.filter(isOneOf([serviceAccountType]));
    checkEach(args.resources.filter(isOneOf(workloadTypes)), (workload) => {
      const podSpec = podSpecOf(workload.type, workload.props) ?? {};
      const { namespace } = metadataOf(workload.props);
      const name = stringAt(podSpec.serviceAccountName) ?? stringAt(podSpec.serviceAccount) ?? "default";
      // Accounts are found by the name and namespace the API server knows them by.
      const account = accounts.find((a) => metadataOf(a.props).name === name && metadataOf(a.props).namespace === namespace);
      const mounts = podSpec.automountServiceAccountToken ?? account?.props.automountServiceAccountToken ?? true;
      if (mounts !== false && !apiServiceAccounts.includes(`${namespace}/${name}`)) {
        reportViolation(
          `Workload "${workload.name}" mounts an API token for service account "${namespace}/${name}"; set automountServiceAccountToken to false, or list the account in apiServiceAccounts.`,
          workload.urn,
        );
      }
    });
  },
};
