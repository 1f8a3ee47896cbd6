import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describePorts, ingressRulesOf, opensToAnywhere, securityGroupTypes } from "../../lib/security-group-rules";
import { isInternetFacing, listenerProtocol, loadBalancerOf, tlsListenerProtocols } from "../../lib/load-balancers";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";

export const securityGroupNoPublicIngress: StackValidationPolicy = {
  name: "security-group-no-public-ingress",
  description:
    "Security groups admit nothing from internet-wide ranges (0.0.0.0/0, ::/0, or wider than 10.0.0.0/8 or fc00::/7), except on the HTTPS/TLS listener ports of an internet-facing load balancer the group is attached to; load-balancer-internal alone decides whether such a load balancer is allowed.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const groups = args.resources.filter(isOneOf(types.securityGroup));
    const loadBalancers = args.resources.filter(isOneOf(types.loadBalancer));
    const listeners = args.resources.filter(isOneOf(types.listener));
    /** The ports the internet may reach on a group: the TLS listener ports of the internet-facing load balancers it guards. */
    const publicTlsPorts = (group: PolicyResource): unknown[] => {
      const guarded = loadBalancers.filter((lb) => isInternetFacing(lb.props) && refersTo(lb, "securityGroups", group));
      return listeners
        .filter((l) => loadBalancerOf(l, guarded) && tlsListenerProtocols.includes(listenerProtocol(l, loadBalancers)?.protocol ?? ""))
        .map((l) => l.props.port);
    };
    checkEach(args.resources.filter(isOneOf(securityGroupTypes)), (resource) => {
      // Standalone rules belong to the group their securityGroupId names.
      const group = isOneOf(types.securityGroup)(resource) ? resource : groups.find((g) => refersTo(resource, "securityGroupId", g));
      const allowedPorts = group ? publicTlsPorts(group) : [];
      for (const rule of ingressRulesOf(resource.type, resource.props)) {
        const open = opensToAnywhere(rule);
        const toLoadBalancer = rule.protocol === "tcp" && rule.fromPort === rule.toPort && allowedPorts.includes(rule.fromPort);
        if (open.length > 0 && !toLoadBalancer) {
          reportViolation(
            `Ingress ${describePorts(rule)} is open to ${open.join(", ")}; only an internet-facing load balancer's HTTPS/TLS listener port may be.`,
            resource.urn,
          );
        }
      }
    });
  },
};
