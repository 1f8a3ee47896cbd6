import { ResourceValidationPolicy } from "@pulumi/policy";
import { defaultInternalDomainSuffixes, goproxyEntries, hasDomainSuffix, hostOf, remoteIpLiterals } from "../lib/hosts";
import { configMapType, Setting, settingsOf, workloadTypes } from "../lib/kubernetes";
import { validateResourceOfTypes } from "../lib/resource-types";

// The source document's anti-patterns, checked wherever settings are written: container env and ConfigMap data.

const settingResourceTypes = [...workloadTypes, configMapType];

function isInternalPattern(pattern: string, internalSuffixes: readonly string[]): boolean {
  const host = hostOf(pattern.replace(/^\*\./, ""));
  return host !== undefined && host !== "*" && (!host.includes(".") || hasDomainSuffix(host, internalSuffixes));
}

/** Why a setting turns checksum verification off, or undefined when it does not. */
function checksumBypass(setting: Setting, internalSuffixes: readonly string[]): string | undefined {
  const value = setting.value?.trim() ?? "";
  switch (setting.name) {
    case "GOSUMDB":
      return value === "off" ? "GOSUMDB=off disables checksum verification" : undefined;
    case "GOFLAGS":
      return value.split(/\s+/).some((flag) => /^-insecure(=(true|1))?$/.test(flag))
        ? "GOFLAGS -insecure fetches and trusts modules without TLS verification"
        : undefined;
    case "GOINSECURE": {
      const publicPatterns = goproxyEntries(value).filter((p) => !isInternalPattern(p, internalSuffixes));
      return publicPatterns.length > 0 ? `GOINSECURE covers public hosts (${publicPatterns.join(", ")})` : undefined;
    }
    default:
      return undefined;
  }
}

export const goChecksumVerificationOn: ResourceValidationPolicy = {
  name: "go-checksum-verification-on",
  description:
    "Checksum verification stays on: no GOSUMDB=off, no GOFLAGS=-insecure, no GOINSECURE for public hosts, in any workload env or the proxy's ConfigMaps.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      internalDomainSuffixes: {
        type: "array",
        items: { type: "string" },
        default: defaultInternalDomainSuffixes,
        description: "DNS suffixes of private hosts GOINSECURE may name (single-label hosts always count as private).",
      },
    },
  },
  validateResource: validateResourceOfTypes(settingResourceTypes, (props, args, reportViolation) => {
    const { internalDomainSuffixes } = args.getConfig<{ internalDomainSuffixes: string[] }>();
    for (const setting of settingsOf(args.type, props)) {
      const bypass = checksumBypass(setting, internalDomainSuffixes);
      if (bypass) {
        reportViolation(`${bypass} (${setting.origin}).`);
      }
    }
  }),
};

/** Literal values that are credentials whatever the setting is called. */
const credentialShapes: [RegExp, string][] = [
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with an embedded password"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
];

export const noPlaintextCredentials: ResourceValidationPolicy = {
  name: "no-plaintext-credentials",
  description: "Credentials come from Secrets (secretKeyRef/secretRef or mounted files), never as literal container env values or ConfigMap data.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      sensitiveNameParts: {
        type: "array",
        items: { type: "string" },
        default: ["PASSWORD", "PASSWORDS", "PASSWD", "TOKEN", "TOKENS", "SECRET", "SECRETS", "KEY", "KEYS", "CREDENTIAL", "CREDENTIALS", "APIKEY"],
        description: "A setting whose name has one of these _-separated parts holds a credential.",
      },
      referenceNameSuffixes: {
        type: "array",
        items: { type: "string" },
        default: ["FILE", "PATH", "DIR", "ARN", "NAME"],
        description: "A setting whose name ends in one of these parts names where a credential lives (MODPROXY_TOKENS_FILE), not the credential.",
      },
    },
  },
  validateResource: validateResourceOfTypes(settingResourceTypes, (props, args, reportViolation) => {
    const { sensitiveNameParts, referenceNameSuffixes } = args.getConfig<{ sensitiveNameParts: string[]; referenceNameSuffixes: string[] }>();
    for (const setting of settingsOf(args.type, props)) {
      if (!setting.value) {
        continue;
      }
      const parts = setting.name.toUpperCase().split(/[^A-Z0-9]+/);
      const isReference = referenceNameSuffixes.includes(parts[parts.length - 1]);
      if (!isReference && parts.some((part) => sensitiveNameParts.includes(part))) {
        reportViolation(`${setting.name} in ${setting.origin} is a literal value; reference a Secret instead.`);
        continue;
      }
      const shape = credentialShapes.find(([pattern]) => pattern.test(setting.value ?? ""));
      if (shape) {
        reportViolation(`${setting.name} in ${setting.origin} contains ${shape[1]}; reference a Secret instead.`);
      }
    }
  }),
};

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

export const antipatternPolicies = [goChecksumVerificationOn, noPlaintextCredentials, noHardcodedIpEndpoints];
