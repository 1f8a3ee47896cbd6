import { ResourceValidationPolicy } from "@pulumi/policy";
import { defaultInternalDomainSuffixes, goproxyEntries, hasDomainSuffix, patternHost } from "../../lib/hosts";
import { settingResourceTypes, settingsOf } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";

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
