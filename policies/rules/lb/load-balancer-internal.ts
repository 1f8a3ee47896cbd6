import { ResourceValidationPolicy } from "@pulumi/policy";
import { isInternetFacing } from "../../lib/load-balancers";
import { types, validateResourceOfTypes } from "../../lib/resource-types";

export const loadBalancerInternal: ResourceValidationPolicy = {
  name: "load-balancer-internal",
  description:
    "Load balancers are internal unless a public load balancer is allowed by config; the one switch for public traffic, as security-group-no-public-ingress then admits the internet to that load balancer's HTTPS/TLS ports.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowPublicLoadBalancer: {
        type: "boolean",
        default: false,
        description: "Set true when the proxy is deliberately served through an internet-facing load balancer.",
      },
    },
  },
  validateResource: validateResourceOfTypes(types.loadBalancer, (props, args, reportViolation) => {
    const { allowPublicLoadBalancer } = args.getConfig<{ allowPublicLoadBalancer: boolean }>();
    if (isInternetFacing(props) && !allowPublicLoadBalancer) {
      reportViolation("The load balancer is internet-facing: set internal to true, or allowPublicLoadBalancer in the pack config.");
    }
  }),
};
