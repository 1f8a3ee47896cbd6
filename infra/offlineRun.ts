/**
 * Runs a Pulumi program in-process under mocks and records every resource registration the
 * way the engine would see it (type, name, URN, parent, provider, plain inputs and which of
 * them are secrets). `synthesize` and the component tests both build on this.
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
  /** URN of the explicit provider resource that manages this one, given directly or through a parent component; absent for the default provider. */
  provider?: string;
  /** Dotted paths (as `at()` in the tests takes them) of the inputs that are Pulumi secrets, so the engine encrypts them in state. */
  secretInputs: string[];
  /** The ID the (mock) provider gave the resource; empty for components. */
  id: string;
  /** The state the (mock) provider returned: the inputs plus computed values such as `arn` (plain, secrets unwrapped). */
  outputs: Record<string, unknown>;
  /** For each input, the URNs of the resources its value came from (how the engine joins references such as a bucket's unknown name). */
  propertyDependencies: Record<string, string[]>;
  /** URNs of every resource this one depends on, explicit `dependsOn` included. */
  dependencies: string[];
}

export interface SynthesisResult {
  resources: SynthesizedResource[];
  /** Stack outputs, plain (secrets unwrapped). */
  outputs: Record<string, unknown>;
  /** Names of the stack outputs that are secrets (`pulumi stack output` hides them). */
  secretOutputs: string[];
}

/**
 * Strips the RPC secret markers so policies and tests see the values the provider would receive,
 * and reports the dotted path of every value that was marked (the outermost one of nested marks).
 */
function unwrapSecrets(value: unknown, secretPaths: string[] = [], path = ""): unknown {
  if (pulumi.runtime.isRpcSecret(value)) {
    secretPaths.push(path);
    return unwrapSecrets(pulumi.runtime.unwrapRpcSecret(value));
  }
  const child = (key: string | number) => (path === "" ? String(key) : `${path}.${key}`);
  if (Array.isArray(value)) {
    return value.map((inner, index) => unwrapSecrets(inner, secretPaths, child(index)));
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner, secretPaths, child(key))]));
  }
  return value;
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  /** `<provider URN>::<provider ID>`, or empty for the default provider. */
  getProvider(): string;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(visit: (dependencies: { getUrnsList(): string[] }, key: string) => void): void };
}

interface RegisterResourceResponse {
  getUrn(): string;
  getId(): string;
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
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
    const secretInputs: string[] = [];
    const inputs = unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject()), secretInputs) as Record<string, unknown>;
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((dependencies, key) => {
      propertyDependencies[key] = dependencies.getUrnsList();
    });
    return register(req, (err, response) => {
      if (!err && response) {
        const parent = req.getParent();
        const provider = req.getProvider();
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          inputs,
          secretInputs,
          propertyDependencies,
          dependencies: req.getDependenciesList(),
          id: response.getId(),
          outputs: unwrapSecrets(pulumi.runtime.deserializeProperties(response.getObject())) as Record<string, unknown>,
          ...(parent ? { parent } : {}),
          ...(provider ? { provider: provider.slice(0, provider.lastIndexOf("::")) } : {}),
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

/** The names of the outputs that are secrets, nested Outputs included. */
async function secretKeys(outputs: Record<string, unknown>): Promise<string[]> {
  const secret = await Promise.all(Object.entries(outputs).map(async ([key, value]) => ((await pulumi.isSecret(pulumi.output(value))) ? [key] : [])));
  return secret.flat();
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
  let secretOutputs: string[] = [];
  const stackOutputs = await pulumi.runtime.runInPulumiStack(async () => {
    const programOutputs = ((await program()) ?? {}) as Record<string, unknown>;
    // Asked here: the stack hands back plain values, without their secretness.
    secretOutputs = await secretKeys(programOutputs);
    return programOutputs;
  });
  const outputs = (await resolve(stackOutputs ?? {})) as Record<string, unknown>;
  await pulumi.runtime.disconnect();
  return { resources: registrations, outputs, secretOutputs };
}
