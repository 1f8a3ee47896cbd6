import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { defaultClusterDomainSuffixes, plainHttpUrlsLeavingCluster } from "../lib/hosts";
import { settingResourceTypes, settingsOf } from "../lib/kubernetes";
import { listenerProtocol, tlsListenerProtocols } from "../lib/load-balancers";
import { refersTo } from "../lib/references";
import { isOneOf, types, validateResourceOfTypes } from "../lib/resource-types";
import { checkEach } from "../lib/unknowns";
import { arrayAt, isRecord, recordAt, stringAt } from "../lib/values";

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

export const tlsPrivateKeyStrength: ResourceValidationPolicy = {
  name: "tls-private-key-strength",
  description: "@pulumi/tls private keys are RSA of at least the minimum size, or ECDSA on an approved curve.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minimumRsaBits: { type: "integer", default: 2048, description: "Smallest RSA modulus allowed." },
      approvedEcdsaCurves: { type: "array", items: { type: "string" }, default: ["P256", "P384"], description: "ECDSA curves allowed." },
    },
  },
  validateResource: validateResourceOfTypes(types.tlsPrivateKey, (props, args, reportViolation) => {
    const { minimumRsaBits, approvedEcdsaCurves } = args.getConfig<{ minimumRsaBits: number; approvedEcdsaCurves: string[] }>();
    const algorithm = stringAt(props.algorithm);
    if (algorithm === "RSA") {
      // The provider's default modulus is 2048 bits.
      const bits = typeof props.rsaBits === "number" ? props.rsaBits : 2048;
      if (bits < minimumRsaBits) {
        reportViolation(`RSA key of ${bits} bits is below the minimum of ${minimumRsaBits}.`);
      }
    } else if (algorithm === "ECDSA") {
      // The provider's default curve is P224.
      const curve = stringAt(props.ecdsaCurve) ?? "P224";
      if (!approvedEcdsaCurves.includes(curve)) {
        reportViolation(`ECDSA curve ${curve} is not one of ${approvedEcdsaCurves.join(", ")}.`);
      }
    } else {
      reportViolation(`Algorithm ${algorithm ?? "(unset)"} is not allowed; use RSA or ECDSA.`);
    }
  }),
};

/** Settings whose values name the module proxies, checksum databases and S3 endpoint the proxy or go command fetch from. */
const upstreamSettingNames = ["MODPROXY_UPSTREAM", "GOPROXY", "GOSUMDB", "MODPROXY_S3_ENDPOINT"];

export const goUpstreamsUseHttps: ResourceValidationPolicy = {
  name: "go-upstreams-use-https",
  description:
    "Module proxy and checksum database upstreams and the S3 endpoint (MODPROXY_UPSTREAM, GOPROXY, GOSUMDB, MODPROXY_S3_ENDPOINT) use https for anything outside the cluster.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      clusterDomainSuffixes: {
        type: "array",
        items: { type: "string" },
        default: defaultClusterDomainSuffixes,
        description: "DNS suffixes that only resolve inside the cluster (bare service names always count as internal).",
      },
    },
  },
  validateResource: validateResourceOfTypes(settingResourceTypes, (props, args, reportViolation) => {
    const { clusterDomainSuffixes } = args.getConfig<{ clusterDomainSuffixes: string[] }>();
    for (const setting of settingsOf(args.type, props)) {
      if (!upstreamSettingNames.includes(setting.name) || setting.value === undefined) {
        continue;
      }
      for (const url of plainHttpUrlsLeavingCluster(setting.value, clusterDomainSuffixes)) {
        reportViolation(`${setting.name} in ${setting.origin} points at plain-http ${url} outside the cluster.`);
      }
    }
  }),
};

export const tlsPolicies = [loadBalancerListenerTls, acmCertificateDnsValidation, tlsPrivateKeyStrength, goUpstreamsUseHttps];
