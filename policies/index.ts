import { PolicyPack } from "@pulumi/policy";
import { packEnforcementLevel, packName } from "./pack";
import { allPolicies } from "./rules";

// Entry point for `pulumi preview --policy-pack policies`: the CLI runs this file and talks to the
// analyzer this constructor serves. The offline check uses ./rules and ./evaluate instead.
new PolicyPack(packName, {
  description: "Network isolation, TLS, encryption, exposure, logging, workload hardening and Go module supply-chain rules for the modproxy blueprint.",
  enforcementLevel: packEnforcementLevel,
  policies: allPolicies,
});
