import { ResourceValidationPolicy } from "@pulumi/policy";
import { metadataOf } from "../../lib/kubernetes";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { recordAt, stringAt } from "../../lib/values";

const internalAnnotations: Record<string, string> = {
  "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
};
const tlsCertificateAnnotation = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";

export const kubernetesLoadBalancerServiceInternalOrTls: ResourceValidationPolicy = {
  name: "k8s-loadbalancer-service-internal-or-tls",
  description: "A Kubernetes Service of type LoadBalancer is annotated internal, or terminates TLS with an ACM certificate annotation.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.service, (props, _args, reportViolation) => {
    if (recordAt(props.spec).type !== "LoadBalancer") {
      return;
    }
    const { annotations } = metadataOf(props);
    const internal = Object.entries(internalAnnotations).some(([key, value]) => String(annotations[key]).toLowerCase() === value);
    if (!internal && !stringAt(annotations[tlsCertificateAnnotation])) {
      reportViolation(`The LoadBalancer Service is neither internal (${Object.keys(internalAnnotations).join(" or ")}) nor TLS (${tlsCertificateAnnotation}).`);
    }
  }),
};
