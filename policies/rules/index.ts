import { Policies } from "@pulumi/policy";
import { antipatternPolicies } from "./antipatterns";
import { networkPolicies } from "./network";
import { tlsPolicies } from "./tls";
import { workloadPolicies } from "./workload";

/** Every rule in the pack, without constructing a PolicyPack (which starts the analyzer's gRPC server). */
export const allPolicies: Policies = [...networkPolicies, ...tlsPolicies, ...antipatternPolicies, ...workloadPolicies];
