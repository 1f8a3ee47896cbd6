import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringsAt } from "../../lib/values";

export const kubernetesServiceNoExternalIps: ResourceValidationPolicy = {
  name: "k8s-service-no-external-ips",
  description:
    "Services set no externalIPs: whoever can create a Service with them captures the cluster's traffic to those addresses (CVE-2020-8554); load balancers and NodePorts expose services instead.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.service, (props, _args, reportViolation) => {
    const externalIps = stringsAt(recordAt(props.spec).externalIPs);
    if (externalIps.length > 0) {
      reportViolation(`The Service sets externalIPs ${externalIps.join(", ")}; expose it through a load balancer or NodePort instead.`);
    }
  }),
};
