/**
 * Runs a Pulumi program in-process under mocks and records every resource registration the
 * way the engine would see it (type, name, URN, parent, plain inputs). `synthesize` and the
 * component tests both build on this.
 */
import * as pulumi from "@pulumi/pulumi";
import { createMocks } from "./mocks";

export interface SynthesizedResource {
  /** Pulumi type token, e.g. "aws:s3/bucket:Bucket", "kubernetes:apps/v1:Deployment". */
  type: string;
  /** Logical name. */
  name: string;
  urn: string;
  /** The resource's inputs as the engine would see them (plain, unwrapped; secrets unwrapped). */
  inputs: Record<string, unknown>;
  /** Parent URN, if any. */
  parent?: string;
  /** For each input, the URNs of the resources its value came from (how the engine joins references such as a bucket's unknown name). */
  propertyDependencies: Record<string, string[]>;
  /** URNs of every resource this one depends on, explicit `dependsOn` included. */
  dependencies: string[];
}

export interface SynthesisResult {
  resources: SynthesizedResource[];
  outputs: Record<string, unknown>;
}

/** Strips the RPC secret markers so policies and tests see the values the provider would receive. */
function unwrapSecrets(value: unknown): unknown {
  if (pulumi.runtime.isRpcSecret(value)) {
    return unwrapSecrets(pulumi.runtime.unwrapRpcSecret(value));
  }
  if (Array.isArray(value)) {
    return value.map(unwrapSecrets);
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  }
  return value;
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(visit: (dependencies: { getUrnsList(): string[] }, key: string) => void): void };
}

interface RegisterResourceResponse {
  getUrn(): string;
}

type RegisterResource = (req: RegisterResourceRequest, callback: (err: unknown, response: RegisterResourceResponse | undefined) => void) => Promise<void>;

/**
 * Wraps the installed mock monitor's registerResource to keep what each registration asked
 * for; the Mocks interface alone never sees a resource's URN or parent.
 */
function recordRegistrations(): SynthesizedResource[] {
  const registrations: SynthesizedResource[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: RegisterResource };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const inputs = unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject())) as Record<string, unknown>;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((dependencies, key) => {
      propertyDependencies[key] = dependencies.getUrnsList();
    });
    return register(req, (err, response) => {
      if (!err && response) {
        const parent = req.getParent();
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          inputs,
          propertyDependencies,
          dependencies: req.getDependenciesList(),
          ...(parent ? { parent } : {}),
        });
      }
      callback(err, response);
    });
  };
  return registrations;
}

/** Resolves every Output inside a value (stack outputs may nest them) to plain data. */
function resolve(value: unknown): Promise<unknown> {
  const output: pulumi.Output<unknown> = pulumi.output(value);
  return new Promise((done) => output.apply((plain) => done(unwrapSecrets(plain))));
}

export interface OfflineRunOptions {
  /** Project name. @default "modproxy" */
  project?: string;
  stack: string;
  /** Region the mocks pretend to be in. */
  region: string;
}

/**
 * Runs `program` as the body of a stack under mocks and returns what it registered.
 * Safe to call repeatedly in one process: each call installs a fresh monitor and waits for
 * every registration before returning.
 */
export async function runOffline(options: OfflineRunOptions, program: () => unknown): Promise<SynthesisResult> {
  await pulumi.runtime.setMocks(createMocks(options.region), options.project ?? "modproxy", options.stack, false);
  const registrations = recordRegistrations();

  const stackOutputs = await pulumi.runtime.runInPulumiStack(async () => (await program()) as Record<string, unknown>);
  const outputs = (await resolve(stackOutputs ?? {})) as Record<string, unknown>;
  await pulumi.runtime.disconnect();
  return { resources: registrations, outputs };
}
