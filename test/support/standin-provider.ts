/**
 * A stand-in resource provider plugin for the real Pulumi engine, run as pulumi-resource-aws,
 * -kubernetes, -tls and -random (the real plugins cannot be fetched here): it serves the provider
 * gRPC protocol, takes every input as given and answers with the shared mocks' state
 * (infra/mocks.ts), so the engine, the analyzer and the program see the outputs the offline tests do.
 */
import * as provider from "@pulumi/pulumi/provider";
import { createMocks } from "../../infra/mocks";

const region = process.env.MODPROXY_STANDIN_REGION;
if (region === undefined) throw new Error("MODPROXY_STANDIN_REGION says which region the mocks answer for");
const mocks = createMocks(region);

/** "urn:pulumi:stack::project::parent$type::name" -> [type, name]. */
function typeAndName(urn: string): [string, string] {
  const parts = urn.split("::");
  return [parts[2].split("$").pop()!, parts.slice(3).join("::")];
}

async function create(urn: string, inputs: Record<string, unknown>) {
  const [type, name] = typeAndName(urn);
  const { id, state } = await mocks.newResource({ type, name, inputs, provider: "", custom: true });
  // The shared mocks give every resource an id; the mocks' type leaves it optional.
  return { id: id!, outs: state };
}

/** Whether `state` holds every value of `inputs`, objects allowed to have more keys. */
function holds(state: unknown, inputs: unknown): boolean {
  if (Array.isArray(inputs)) return Array.isArray(state) && state.length === inputs.length && inputs.every((item, i) => holds(state[i], item));
  if (typeof inputs === "object" && inputs !== null) {
    const record = state as Record<string, unknown>;
    return typeof state === "object" && state !== null && Object.entries(inputs).every(([key, value]) => holds(record[key], value));
  }
  return state === inputs;
}

const standin: provider.Provider = {
  // Any version: the engine takes a plugin found on PATH as the one the SDK asked for.
  version: "0.0.0",
  create,
  // The state is the inputs with outputs added (as under the mocks), so a change is an input the state does not hold.
  async diff(_id, _urn, olds, news) {
    return { changes: !holds(olds, news) };
  },
  async update(_id, urn, _olds, news) {
    return { outs: (await create(urn, news)).outs };
  },
  async read(id, _urn, props) {
    return { id, props };
  },
  async delete() {},
  async invoke(token, inputs) {
    return { outputs: await mocks.call({ token, inputs, provider: "" }) };
  },
};

void provider.main(standin, process.argv.slice(2));
