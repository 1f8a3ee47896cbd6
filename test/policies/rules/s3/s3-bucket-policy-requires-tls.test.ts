import * as assert from "node:assert/strict";
import { s3BucketPolicyRequiresTls } from "../../../../policies/rules/s3/s3-bucket-policy-requires-tls";
import { messages, resource, unknown, violations } from "../../helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const denyInsecure = {
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: ["arn:aws:s3:::modproxy-cache", "arn:aws:s3:::modproxy-cache/*"],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const policyOf = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const tlsOnlyPolicy = policyOf(denyInsecure);

describe("s3-bucket-policy-requires-tls", () => {
  const bucketPolicy = (name: string, inputs: Record<string, unknown>, target = bucket) =>
    resource("aws:s3/bucketPolicy:BucketPolicy", name, inputs, { propertyDependencies: { bucket: [target.urn] } });
  it("passes a bucket policy denying aws:SecureTransport false on the bucket and its objects", async () => {
    const policy = resource("aws:s3/bucketPolicy:BucketPolicy", "cache", { bucket: "modproxy-cache", policy: tlsOnlyPolicy });
    assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket, policy]), []);
  });
  it('accepts BoolIfExists, an {AWS: "*"} principal, the "*" action and wildcard resources', async () => {
    const statement = {
      ...denyInsecure,
      Principal: { AWS: "*" },
      Action: ["*"],
      Resource: "arn:aws:s3:::modproxy-*",
      Condition: { BoolIfExists: { "aws:SecureTransport": false } },
    };
    assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket, bucketPolicy("cache", { bucket: "modproxy-cache", policy: policyOf(statement) })]), []);
  });
  it("matches the bucket ARN and its objects pairwise while the bucket's name is unknown", async () => {
    const autonamed = resource("aws:s3/bucket:Bucket", "auto", {});
    const pair = bucketPolicy(
      "auto",
      { bucket: unknown, policy: policyOf({ ...denyInsecure, Resource: ["arn:aws:s3:::auto-1a2b", "arn:aws:s3:::auto-1a2b/*"] }) },
      autonamed,
    );
    assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [autonamed, pair]), []);
    const objectsOnly = bucketPolicy("auto", { bucket: unknown, policy: policyOf({ ...denyInsecure, Resource: "arn:aws:s3:::auto-1a2b/*" }) }, autonamed);
    assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [autonamed, objectsOnly]), [
      'Bucket "auto" bucket policy has no statement denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false.',
    ]);
  });
  it("reports a bucket without a policy", async () => {
    assert.deepEqual(await messages(s3BucketPolicyRequiresTls, [bucket]), ['Bucket "cache" has no BucketPolicy denying non-TLS access.']);
  });
  it("reports deny statements that leave a principal, an action, the bucket or its objects out", async () => {
    const variants: Record<string, object> = {
      allow: { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" },
      "one-principal": { ...denyInsecure, Principal: { AWS: "arn:aws:iam::123456789012:root" } },
      "one-action": { ...denyInsecure, Action: "s3:GetObject" },
      "objects-only": { ...denyInsecure, Resource: "arn:aws:s3:::modproxy-cache/*" },
      "other-bucket": { ...denyInsecure, Resource: ["arn:aws:s3:::other", "arn:aws:s3:::other/*"] },
      "secure-only": { ...denyInsecure, Condition: { Bool: { "aws:SecureTransport": "true" } } },
    };
    for (const [name, statement] of Object.entries(variants)) {
      const policy = resource("aws:s3/bucketPolicy:BucketPolicy", name, { bucket: "modproxy-cache", policy: policyOf(statement) });
      assert.deepEqual(
        await messages(s3BucketPolicyRequiresTls, [bucket, policy]),
        ['Bucket "cache" bucket policy has no statement denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false.'],
        name,
      );
    }
  });
  it("checks each bucket on its own: an unknown policy hides no other bucket's missing one", async () => {
    const pending = resource("aws:s3/bucket:Bucket", "pending", {});
    const unpoliced = resource("aws:s3/bucket:Bucket", "logs", {});
    const found = await violations(s3BucketPolicyRequiresTls, [pending, bucketPolicy("pending", { bucket: unknown, policy: unknown }, pending), unpoliced]);
    assert.deepEqual(
      found.map((v) => [v.enforcementLevel, v.urn, v.message]),
      [
        ["mandatory", unpoliced.urn, 'Bucket "logs" has no BucketPolicy denying non-TLS access.'],
        [
          "advisory",
          undefined,
          "can't run policy 's3-bucket-policy-requires-tls' from policy pack 'modproxy@v0.1.0' during preview: string value at .policy can't be known during preview",
        ],
      ],
    );
  });
});
