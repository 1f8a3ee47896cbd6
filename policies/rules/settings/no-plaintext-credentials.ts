import { ResourceValidationPolicy } from "@pulumi/policy";
import { settingResourceTypes, settingsOf } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";

export const noPlaintextCredentials: ResourceValidationPolicy = {
  name: "no-plaintext-credentials",
  description:
    "Settings named like credentials come from Secrets (secretKeyRef/secretRef or mounted files), never as literal container env values or ConfigMap data or binaryData; no-credentials-by-value finds them by value.",
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
      }
    }
  }),
};
