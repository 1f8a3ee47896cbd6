import { ResourceValidationPolicy } from "@pulumi/policy";
import { defaultClusterDomainSuffixes, plainHttpUrlsLeavingCluster } from "../../lib/hosts";
import { settingResourceTypes, settingsOf } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";

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
