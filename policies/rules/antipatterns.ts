import { ResourceValidationPolicy } from "@pulumi/policy";
import { defaultInternalDomainSuffixes, goproxyEntries, hasDomainSuffix, patternHost, remoteIpLiterals } from "../lib/hosts";
import { settingResourceTypes, settingsOf } from "../lib/kubernetes";
import { validateResourceOfTypes } from "../lib/resource-types";

// The source document's anti-patterns, checked wherever settings are written: container env and ConfigMap data.
// A value only known after deployment is skipped here: the engine checks the resource again, with the
// value known, before it creates it.

/** True when every host the pattern can match is private: one single-label name, or names under an internal suffix. */
function isInternalPattern(pattern: string, internalSuffixes: readonly string[]): boolean {
  const { exact, domain } = patternHost(pattern);
  return domain !== "" && ((exact && !domain.includes(".")) || hasDomainSuffix(domain, internalSuffixes));
}

/**
 * True when the pattern matches every module, or every module under a whole public top-level domain
 * ("*", "*.com", "g*"). A company's own host or path ("git.corp.example", "github.com/acme/*") is not.
 */
function isSweepingPattern(pattern: string, internalSuffixes: readonly string[]): boolean {
  const { exact, domain } = patternHost(pattern);
  return !exact && !domain.includes(".") && !hasDomainSuffix(domain, internalSuffixes);
}

/** The true spellings of Go's boolean flags (strconv.ParseBool). */
const goTrue = ["1", "t", "T", "TRUE", "true", "True"];

function isInsecureFlag(flag: string): boolean {
  const match = /^--?insecure(?:=(.*))?$/.exec(flag);
  return match !== null && (match[1] === undefined || goTrue.includes(match[1]));
}

/** Why a setting's value turns checksum verification off, or undefined when it does not. */
function checksumBypass(name: string, value: string, internalSuffixes: readonly string[]): string | undefined {
  switch (name) {
    case "GOSUMDB":
      return value.trim() === "off" ? "GOSUMDB=off disables checksum verification" : undefined;
    case "GOFLAGS":
      return value.trim().split(/\s+/).some(isInsecureFlag) ? "GOFLAGS -insecure fetches and trusts modules without TLS verification" : undefined;
    case "GOINSECURE": {
      const publicPatterns = goproxyEntries(value).filter((p) => !isInternalPattern(p, internalSuffixes));
      return publicPatterns.length > 0 ? `GOINSECURE covers public hosts (${publicPatterns.join(", ")})` : undefined;
    }
    // GOPRIVATE is GONOSUMDB's default, so either can take public modules out of verification.
    case "GONOSUMDB":
    case "GOPRIVATE": {
      const sweeping = goproxyEntries(value).filter((p) => isSweepingPattern(p, internalSuffixes));
      return sweeping.length > 0 ? `${name} takes public modules out of checksum verification (${sweeping.join(", ")})` : undefined;
    }
    default:
      return undefined;
  }
}

export const goChecksumVerificationOn: ResourceValidationPolicy = {
  name: "go-checksum-verification-on",
  description:
    "Checksum verification stays on: no GOSUMDB=off, no GOFLAGS=-insecure, no GOINSECURE for public hosts, no GONOSUMDB or GOPRIVATE matching every module or a whole public top-level domain, in any workload env or the proxy's ConfigMaps.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      internalDomainSuffixes: {
        type: "array",
        items: { type: "string" },
        default: defaultInternalDomainSuffixes,
        description:
          "DNS suffixes of private hosts GOINSECURE may name (single-label hosts always count as private), and top-level domains GONOSUMDB/GOPRIVATE may cover whole.",
      },
    },
  },
  validateResource: validateResourceOfTypes(settingResourceTypes, (props, args, reportViolation) => {
    const { internalDomainSuffixes } = args.getConfig<{ internalDomainSuffixes: string[] }>();
    for (const { name, value, origin } of settingsOf(args.type, props)) {
      const bypass = value === undefined ? undefined : checksumBypass(name, value, internalDomainSuffixes);
      if (bypass) {
        reportViolation(`${bypass} (${origin}).`);
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
  description:
    "Credentials come from Secrets (secretKeyRef/secretRef or mounted files), never as literal container env values or ConfigMap data or binaryData.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      sensitiveNameWords: {
        type: "array",
        items: { type: "string" },
        default: ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "ACCESSKEY", "PRIVATEKEY"],
        description: "A setting whose upper-cased name contains one of these anywhere (DB_PASSWORD, DBPASSWORD, GITHUBTOKEN) holds a credential.",
      },
      sensitiveNameParts: {
        type: "array",
        items: { type: "string" },
        default: ["KEY", "KEYS", "PASS"],
        description:
          "A setting whose upper-cased name has one of these as a whole part between separators (API_KEY, SMTP_PASS) holds a credential; MONKEY_COUNT or KEYBOARD_LAYOUT do not.",
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
    const { sensitiveNameWords, sensitiveNameParts, referenceNameSuffixes } = args.getConfig<{
      sensitiveNameWords: string[];
      sensitiveNameParts: string[];
      referenceNameSuffixes: string[];
    }>();
    for (const { name, literal, value, origin } of settingsOf(args.type, props)) {
      // An empty literal holds nothing; an unknown one (value undefined) is still written in plain text.
      if (!literal || value === "") {
        continue;
      }
      const upper = name.toUpperCase();
      const parts = upper.split(/[^A-Z0-9]+/);
      const isReference = referenceNameSuffixes.includes(parts[parts.length - 1]);
      const isSensitive = sensitiveNameWords.some((word) => upper.includes(word)) || parts.some((part) => sensitiveNameParts.includes(part));
      if (!isReference && isSensitive) {
        reportViolation(`${name} in ${origin} is a literal value; reference a Secret instead.`);
        continue;
      }
      const shape = value === undefined ? undefined : credentialShapes.find(([pattern]) => pattern.test(value));
      if (shape) {
        reportViolation(`${name} in ${origin} contains ${shape[1]}; reference a Secret instead.`);
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
