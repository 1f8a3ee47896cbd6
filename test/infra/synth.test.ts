import * as assert from "assert";
import { synthesize } from "../../infra/synth";

describe("synthesize", () => {
  it("gives the same resources when stacks are synthesized one after another in one process", async () => {
    const firstDev = await synthesize("dev");
    const prod = await synthesize("prod");
    const secondDev = await synthesize("dev");
    const urns = (result: typeof firstDev) => result.resources.map((r) => r.urn).sort();
    assert.deepStrictEqual(urns(secondDev), urns(firstDev));
    assert.ok(urns(prod).every((urn) => urn.startsWith("urn:pulumi:prod::modproxy::")));
    assert.ok(urns(firstDev).every((urn) => urn.startsWith("urn:pulumi:dev::modproxy::")));
  });

  it("records every resource with its parent and plain inputs", async () => {
    const { resources } = await synthesize("dev");
    const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    assert.ok(stack, "the stack resource is recorded");
    assert.strictEqual(stack.parent, undefined);
    const vpc = resources.find((r) => r.type === "aws:ec2/vpc:Vpc");
    assert.ok(vpc?.parent?.endsWith("modproxy:components:Network::modproxy-dev"), `VPC parent was ${vpc?.parent}`);
    assert.strictEqual(vpc?.inputs.cidrBlock, "10.20.0.0/16");
  });

  it("records which resources each input came from", async () => {
    const { resources } = await synthesize("dev");
    const bucket = resources.find((r) => r.type === "aws:s3/bucket:Bucket");
    const block = resources.find((r) => r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    assert.deepStrictEqual(block?.propertyDependencies.bucket, [bucket?.urn]);
    assert.deepStrictEqual(block?.propertyDependencies.blockPublicAcls, []);
  });

  it("applies config overrides on top of the stack file", async () => {
    const { resources } = await synthesize("dev", { config: { "modproxy:vpcCidr": "10.99.0.0/16" } });
    assert.strictEqual(resources.find((r) => r.type === "aws:ec2/vpc:Vpc")?.inputs.cidrBlock, "10.99.0.0/16");
  });

  it("rejects a stack without a stack file", async () => {
    await assert.rejects(synthesize("no-such-stack"), /Pulumi\.no-such-stack\.yaml/);
  });
});
