/** The existing-cluster example program, run as `pulumi up` runs it: its stack file's config, its module executed afresh. */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { runOffline, SynthesisResult } from "../../infra/offlineRun";
import { readStackFile } from "../../infra/stackFile";

export const EXAMPLE_DIR = path.resolve(__dirname, "..", "..", "examples", "existing-cluster");
export const EXAMPLE_PROJECT = "platform-goproxy";
export const EXAMPLE_STACK = "example";

/** Resource types that make a network or a cluster, none of which the example may create (the Pod Identity association is the proxy's own). */
export const NETWORK_AND_CLUSTER =
  /^aws:(ec2\/(vpc|subnet|natGateway|internetGateway|routeTable|vpcEndpoint|flowLog|eip|defaultSecurityGroup)|eks\/(?!podIdentityAssociation)|iam\/openIdConnectProvider)/;

/** Pulumi.example.yaml's values, with `overrides` (a key set to undefined is removed). */
export function exampleConfig(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const { values } = readStackFile(path.join(EXAMPLE_DIR, `Pulumi.${EXAMPLE_STACK}.yaml`));
  return Object.fromEntries(Object.entries({ ...values, ...overrides }).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Runs the program in `dir` (its index.ts) once more, as a new `pulumi up` would; returns its exports. */
export function runProgram(dir = EXAMPLE_DIR): unknown {
  const entry = require.resolve(path.join(dir, "index.ts"));
  delete require.cache[entry];
  // A Pulumi program does its work when loaded, so it is loaded, not imported once.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(entry);
}

/** The example under the shared mocks, with its stack file's config and `overrides`. */
export function synthesizeExample(overrides: Record<string, string | undefined> = {}, dir = EXAMPLE_DIR): Promise<SynthesisResult> {
  return runOffline({ project: EXAMPLE_PROJECT, stack: EXAMPLE_STACK, region: "eu-west-1" }, () => {
    pulumi.runtime.setAllConfig(exampleConfig(overrides));
    return runProgram(dir);
  });
}
