import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { listenerProtocol, tlsListenerProtocols } from "../../lib/load-balancers";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { arrayAt, isRecord, recordAt, stringAt } from "../../lib/values";

/** AWS ELB security policies that negotiate TLS 1.2 or newer only. */
export const tls12PlusSecurityPolicies = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
  "ELBSecurityPolicy-FS-1-2-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2019-08",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

/** True when the only action is a redirect to HTTPS, which is all an HTTP listener or its rules may do. */
function onlyRedirectsToHttps(actions: unknown): boolean {
  const [action, ...more] = arrayAt(actions);
  return more.length === 0 && isRecord(action) && action.type === "redirect" && recordAt(action.redirect).protocol === "HTTPS";
}

export const loadBalancerListenerTls: StackValidationPolicy = {
  name: "lb-listener-tls",
  description:
    "Load balancer listeners are HTTPS/TLS with an approved TLS 1.2+ security policy, or HTTP listeners whose only action, and whose listener rules' only action, redirects to HTTPS.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      approvedSslPolicies: {
        type: "array",
        items: { type: "string" },
        default: tls12PlusSecurityPolicies,
        description: "ELB security policies allowed on HTTPS/TLS listeners.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { approvedSslPolicies } = args.getConfig<{ approvedSslPolicies: string[] }>();
    const loadBalancers = args.resources.filter(isOneOf(types.loadBalancer));
    const listeners = args.resources.filter(isOneOf(types.listener));
    const checkListener = (listener: PolicyResource) => {
      const found = listenerProtocol(listener, loadBalancers);
      if (!found) {
        return;
      }
      const { protocol, label } = found;
      if (protocol !== undefined && tlsListenerProtocols.includes(protocol)) {
        const sslPolicy = stringAt(listener.props.sslPolicy);
        if (!sslPolicy || !approvedSslPolicies.includes(sslPolicy)) {
          reportViolation(`${label} uses security policy ${sslPolicy ?? "(provider default)"}, which is not on the approved TLS 1.2+ list.`, listener.urn);
        }
        return;
      }
      // Only an application load balancer's HTTP listener can redirect, so a protocol left to an unknown load balancer is HTTP then.
      if ((protocol === "HTTP" || protocol === undefined) && onlyRedirectsToHttps(listener.props.defaultActions)) {
        return;
      }
      reportViolation(
        protocol === "HTTP" ? `${label} serves traffic instead of only redirecting to HTTPS.` : `${label} carries no TLS: use HTTPS or TLS.`,
        listener.urn,
      );
    };
    // A listener rule runs in place of its listener's default action, so on an HTTP listener it may only redirect too.
    const checkListenerRule = (rule: PolicyResource) => {
      const listener = listeners.find((l) => refersTo(rule, "listenerArn", l));
      if (listener && listenerProtocol(listener, loadBalancers)?.protocol === "HTTP" && !onlyRedirectsToHttps(rule.props.actions)) {
        reportViolation(`Listener rule on HTTP listener "${listener.name}" serves traffic instead of only redirecting to HTTPS.`, rule.urn);
      }
    };
    checkEach(args.resources.filter(isOneOf([...types.listener, ...types.listenerRule])), (resource) =>
      isOneOf(types.listener)(resource) ? checkListener(resource) : checkListenerRule(resource),
    );
  },
};
