import { ResourceValidationPolicy } from "@pulumi/policy";
import { remoteIpLiterals } from "../../lib/hosts";
import { settingResourceTypes, settingsOf } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";

export const noHardcodedIpEndpoints: ResourceValidationPolicy = {
  name: "no-hardcoded-ip-endpoints",
  description: "Workload config names upstreams, databases and VCS hosts by DNS name (service discovery), never by IP address.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedAddresses: { type: "array", items: { type: "string" }, default: [], description: "IP addresses that may appear (e.g. a fixed DNS resolver)." },
    },
  },
  validateResource: validateResourceOfTypes(settingResourceTypes, (props, args, reportViolation) => {
    const { allowedAddresses } = args.getConfig<{ allowedAddresses: string[] }>();
    for (const setting of settingsOf(args.type, props)) {
      const ips = remoteIpLiterals(setting.value ?? "").filter((ip) => !allowedAddresses.includes(ip));
      if (ips.length > 0) {
        reportViolation(`${setting.name} in ${setting.origin} hard-codes IP address ${ips.join(", ")}; use a DNS name.`);
      }
    }
  }),
};
