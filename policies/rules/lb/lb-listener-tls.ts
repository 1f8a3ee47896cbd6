import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { listenerProtocol, tlsListenerProtocols } from "../../lib/load-balancers";
import { refersTo } from "../../lib/references";
import { isOneOf, types } from "../../lib/resource-types";
import { checkEach } from "../../lib/unknowns";
import { arrayAt, isRecord, recordAt, stringAt } from "../../lib/values";

/**
 * AWS ELB security policies that negotiate TLS 1.2 or newer with forward-secret (ECDHE) key exchange
 * only. The older TLS 1.2 policies (TLS-1-2-2017-01, TLS-1-2-Ext-2018-06, FS-1-2-2019-08, the TLS13
 * Ext1/Ext2 variants) still offer RSA key exchange or SHA-1 CBC suites, which current scanners flag.
 */
export const forwardSecretSecurityPolicies = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
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
    "Load balancer listeners are HTTPS/TLS with an approved security policy (TLS 1.2+ with forward-secret key exchange only), or HTTP listeners whose only action, and whose listener rules' only action, redirects to HTTPS.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      approvedSslPolicies: {
        type: "array",
        items: { type: "string" },
        default: forwardSecretSecurityPolicies,
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
          reportViolation(
            `${label} uses security policy ${sslPolicy ?? "(provider default)"}, which is not on the approved list (TLS 1.2+, forward secrecy only).`,
            listener.urn,
          );
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
