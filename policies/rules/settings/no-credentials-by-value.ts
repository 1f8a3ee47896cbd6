import { ResourceValidationPolicy } from "@pulumi/policy";
import { credentialIn } from "../../lib/credentials";
import { containersOf, podSpecOf, settingResourceTypes, settingsOf } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { unlessUnknown } from "../../lib/unknowns";
import { stringsAt } from "../../lib/values";

export const noCredentialsByValue: ResourceValidationPolicy = {
  name: "no-credentials-by-value",
  description:
    "No literal container env value, ConfigMap entry (a .netrc or token file included) or container command or argument holds a credential, whatever it is named: .netrc passwords, URLs with passwords, Authorization headers, AWS access key ids, PEM private keys, and GitHub, GitLab, Slack, npm and JWT tokens.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(settingResourceTypes, (props, args, reportViolation) => {
    for (const { name, value, origin } of settingsOf(args.type, props)) {
      const credential = value === undefined ? undefined : credentialIn(value);
      if (credential) {
        reportViolation(`${name} in ${origin} contains ${credential}; reference a Secret instead.`);
      }
    }
    for (const container of containersOf(podSpecOf(args.type, props) ?? {})) {
      for (const field of ["command", "args"]) {
        // A command line only known after deployment is checked when the engine checks it known.
        const credential = credentialIn(unlessUnknown(() => stringsAt(container.spec[field]).join(" "), ""));
        if (credential) {
          reportViolation(`Container "${container.name}" ${field} contain ${credential}; read it from a Secret instead.`);
        }
      }
    }
  }),
};
