import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const loadBalancerTargetGroupTls: ResourceValidationPolicy = {
  name: "lb-target-group-tls",
  description:
    "Target groups reach their targets over HTTPS or TLS, so client requests and the tokens in them are not decrypted at the load balancer and carried on in plain text through the VPC; Lambda, load-balancer and GENEVE targets are exempt.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.targetGroup, (props, _args, reportViolation) => {
    const targetType = stringAt(props.targetType) ?? "instance";
    const protocol = stringAt(props.protocol);
    if (["lambda", "alb"].includes(targetType) || protocol === "GENEVE") {
      return;
    }
    if (protocol !== "HTTPS" && protocol !== "TLS") {
      reportViolation(`The target group forwards over ${protocol ?? "an unset protocol"}: use HTTPS (or TLS), with the targets serving TLS.`);
    }
  }),
};
