import * as assert from "assert";
import { ModuleStorage } from "../../components/moduleStorage";
import { assertParentedToComponent, at, one, synthesizeComponent } from "../infra/resources";

const create = () =>
  new ModuleStorage("store", {
    prefix: "modules/",
    noncurrentVersionDays: 14,
    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    serviceAccount: { namespace: "modproxy", name: "modproxy" },
    accessLogs: { bucket: "modproxy-logs", prefix: "s3/" },
  });

describe("ModuleStorage", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(create));
  });

  it("blocks all public access, enforces bucket ownership and keeps versions", async () => {
    const result = await synthesizeComponent(create);
    // The mocks name the bucket like AWS does with a generated suffix; its id is that name.
    const bucketName = "store-bucket-a1b2c3";
    const block = one(result, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    assert.deepStrictEqual(block.inputs, {
      bucket: bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    assert.strictEqual(at(one(result, "aws:s3/bucketOwnershipControls:BucketOwnershipControls"), "rule.objectOwnership"), "BucketOwnerEnforced");
    assert.strictEqual(at(one(result, "aws:s3/bucketVersioning:BucketVersioning"), "versioningConfiguration.status"), "Enabled");
  });

  it("encrypts with its own KMS key and a bucket key", async () => {
    const result = await synthesizeComponent(create);
    const [rule] = one(result, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules as Record<
      string,
      unknown
    >[];
    assert.deepStrictEqual(rule, {
      applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:store-key" },
      bucketKeyEnabled: true,
    });
    assert.strictEqual(one(result, "aws:kms/key:Key").inputs.enableKeyRotation, true);
  });

  it("denies requests without TLS and expires noncurrent versions", async () => {
    const result = await synthesizeComponent(create);
    const policy = one(result, "aws:s3/bucketPolicy:BucketPolicy");
    const bucket = one(result, "aws:s3/bucket:Bucket");
    assert.strictEqual(policy.inputs.bucket, bucket.id);
    const [statement] = JSON.parse(String(policy.inputs.policy)).Statement;
    assert.deepStrictEqual([statement.Effect, statement.Principal, statement.Action], ["Deny", "*", "s3:*"]);
    assert.deepStrictEqual(statement.Resource, [bucket.outputs.arn, `${bucket.outputs.arn}/*`], "the bucket and every object in it");
    assert.deepStrictEqual(statement.Condition, { Bool: { "aws:SecureTransport": "false" } });
    const [rule] = one(result, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as Record<string, unknown>[];
    assert.deepStrictEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 14 });
    assert.strictEqual(rule.status, "Enabled");
  });

  it("logs every request to the cache into the log bucket", async () => {
    const result = await synthesizeComponent(create);
    const logging = one(result, "aws:s3/bucketLogging:BucketLogging");
    assert.deepStrictEqual(
      [logging.inputs.bucket, logging.inputs.targetBucket, logging.inputs.targetPrefix],
      [one(result, "aws:s3/bucket:Bucket").id, "modproxy-logs", "s3/"],
    );
  });

  it("trusts only the proxy's service account through the cluster's OIDC provider", async () => {
    const result = await synthesizeComponent(create);
    const [statement] = JSON.parse(String(one(result, "aws:iam/role:Role").inputs.assumeRolePolicy)).Statement;
    assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
    assert.deepStrictEqual(statement.Principal, { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" });
    assert.deepStrictEqual(statement.Condition.StringEquals, {
      "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:modproxy:modproxy",
      "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
    });
  });

  it("grants read/write on the prefix and use of the key, nothing more", async () => {
    const result = await synthesizeComponent(create);
    const statements = JSON.parse(String(one(result, "aws:iam/rolePolicy:RolePolicy").inputs.policy)).Statement as { Action: unknown; Resource: unknown }[];
    const bucketArn = "arn:aws:s3:::store-bucket-a1b2c3";
    assert.deepStrictEqual(
      statements.map((s) => [s.Action, s.Resource]),
      [
        ["s3:ListBucket", bucketArn],
        [["s3:GetObject", "s3:PutObject"], `${bucketArn}/modules/*`],
        [["kms:Decrypt", "kms:GenerateDataKey"], "arn:aws:kms:eu-west-1:123456789012:store-key"],
      ],
    );
  });

  it("refuses an absolute or unterminated prefix", async () => {
    await assert.rejects(
      synthesizeComponent(
        () =>
          new ModuleStorage("s", {
            prefix: "modules",
            oidcProviderArn: "a",
            oidcIssuer: "https://i",
            serviceAccount: { namespace: "n", name: "s" },
            accessLogs: { bucket: "l", prefix: "s3/" },
          }),
      ),
      /prefix must be relative and end in "\/"/,
    );
  });
});
