import { EnforcementLevel } from "@pulumi/policy";
import packageJson from "./package.json";

// The identity the Pulumi CLI reports for this pack; the offline check prints the same.
export const packName = "modproxy";
export const packVersion: string = packageJson.version;
/** Level for a policy that sets none; every rule in this pack sets its own. */
export const packEnforcementLevel: EnforcementLevel = "advisory";
