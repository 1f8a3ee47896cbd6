import * as assert from "assert";
import { ModuleStorage, ModuleStorageArgs } from "../../components/moduleStorage";
import { assertParentedToComponent, at, ofType, one, synthesizeComponent } from "../infra/resources";

const ARGS: ModuleStorageArgs = {
  prefix: "modules/",
  noncurrentVersionDays: 14,
  podCredentials: { kind: "podIdentity", clusterName: "mp" },
  serviceAccount: { namespace: "modproxy", name: "modproxy" },
  accessLogs: { bucket: "modproxy-logs", prefix: "s3/" },
};
const IRSA = {
  kind: "irsa",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
  oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
} as const;
const create =
  (args: Partial<ModuleStorageArgs> = {}) =>
  () =>
    new ModuleStorage("store", { ...ARGS, ...args });

describe("ModuleStorage", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(create()));
  });

  it("blocks all public access, enforces bucket ownership and keeps versions", async () => {
    const result = await synthesizeComponent(create());
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
    const result = await synthesizeComponent(create());
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
    const result = await synthesizeComponent(create());
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
    const result = await synthesizeComponent(create());
    const logging = one(result, "aws:s3/bucketLogging:BucketLogging");
    assert.deepStrictEqual(
      [logging.inputs.bucket, logging.inputs.targetBucket, logging.inputs.targetPrefix],
      [one(result, "aws:s3/bucket:Bucket").id, "modproxy-logs", "s3/"],
    );
  });

  it("by default trusts EKS Pod Identity for the proxy's service account on this cluster alone, and associates the role with it", async () => {
    const result = await synthesizeComponent(create());
    const role = one(result, "aws:iam/role:Role");
    const [statement] = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement;
    assert.deepStrictEqual(statement.Principal, { Service: "pods.eks.amazonaws.com" });
    assert.deepStrictEqual(statement.Action, ["sts:AssumeRole", "sts:TagSession"]);
    assert.deepStrictEqual(statement.Condition.StringEquals, {
      "aws:RequestTag/eks-cluster-name": "mp",
      "aws:RequestTag/kubernetes-namespace": "modproxy",
      "aws:RequestTag/kubernetes-service-account": "modproxy",
    });
    const association = one(result, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    assert.deepStrictEqual(
      [association.inputs.clusterName, association.inputs.namespace, association.inputs.serviceAccount, association.inputs.roleArn],
      ["mp", "modproxy", "modproxy", role.outputs.arn],
    );
  });

  it("with IRSA, trusts only the proxy's service account through the cluster's OIDC provider, and makes no association", async () => {
    const result = await synthesizeComponent(create({ podCredentials: IRSA }));
    assert.deepStrictEqual(ofType(result, "aws:eks/podIdentityAssociation:PodIdentityAssociation"), []);
    const [statement] = JSON.parse(String(one(result, "aws:iam/role:Role").inputs.assumeRolePolicy)).Statement;
    assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
    assert.deepStrictEqual(statement.Principal, { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" });
    assert.deepStrictEqual(statement.Condition.StringEquals, {
      "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:modproxy:modproxy",
      "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
    });
  });

  it("grants read/write on the prefix and use of the key, nothing more", async () => {
    const result = await synthesizeComponent(create());
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
            podCredentials: { kind: "podIdentity", clusterName: "c" },
            serviceAccount: { namespace: "n", name: "s" },
            accessLogs: { bucket: "l", prefix: "s3/" },
          }),
      ),
      /prefix must be relative and end in "\/"/,
    );
  });

  it("makes no replica unless asked", async () => {
    const result = await synthesizeComponent(create());
    assert.deepStrictEqual(ofType(result, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"), []);
    assert.deepStrictEqual(ofType(result, "pulumi:providers:aws"), []);
  });

  describe("with a replica region", () => {
    const replicated = () => synthesizeComponent(create({ replicaRegion: "eu-central-1" }));

    it("keeps the replica in that region, a bucket set up as the cache is, with a key and a log bucket of its own", async () => {
      const result = await replicated();
      const provider = one(result, "pulumi:providers:aws");
      assert.strictEqual(provider.inputs.region, "eu-central-1");
      const replica = one(result, "aws:s3/bucket:Bucket", "store-replica-bucket");
      const replicaKey = one(result, "aws:kms/key:Key", "store-replica-key");
      const replicaLogs = one(result, "aws:s3/bucket:Bucket", "store-replica-logs");
      const onReplica = (type: string) => ofType(result, type).find((r) => r.inputs.bucket === replica.id);
      for (const resource of [replica, replicaKey, replicaLogs]) assert.strictEqual(resource.provider, provider.urn, resource.name);
      assert.strictEqual(replicaKey.inputs.enableKeyRotation, true);
      assert.deepStrictEqual(onReplica("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")?.inputs.rules, [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: replicaKey.outputs.arn }, bucketKeyEnabled: true },
      ]);
      assert.strictEqual(at(onReplica("aws:s3/bucketVersioning:BucketVersioning")!, "versioningConfiguration.status"), "Enabled");
      assert.strictEqual(onReplica("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")?.inputs.restrictPublicBuckets, true);
      assert.strictEqual(at(onReplica("aws:s3/bucketOwnershipControls:BucketOwnershipControls")!, "rule.objectOwnership"), "BucketOwnerEnforced");
      assert.deepStrictEqual(at(onReplica("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")!, "rules.0.noncurrentVersionExpiration"), {
        noncurrentDays: 14,
      });
      assert.strictEqual(onReplica("aws:s3/bucketLogging:BucketLogging")?.inputs.targetBucket, replicaLogs.id);
      // No load balancer there: the replica's log bucket admits S3 log delivery alone.
      const logPolicy = one(result, "aws:s3/bucketPolicy:BucketPolicy", "store-replica-logs-policy");
      assert.deepStrictEqual(
        JSON.parse(String(logPolicy.inputs.policy)).Statement.map((s: { Sid: string }) => s.Sid),
        ["DenyInsecureTransport", "S3ServerAccessLogs"],
      );
    });

    it("replicates every version, KMS-encrypted ones included, once both buckets keep versions", async () => {
      const result = await replicated();
      const source = one(result, "aws:s3/bucket:Bucket", "store-bucket");
      const replica = one(result, "aws:s3/bucket:Bucket", "store-replica-bucket");
      const replication = one(result, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
      assert.strictEqual(replication.inputs.bucket, source.id);
      const [rule] = replication.inputs.rules as Record<string, unknown>[];
      assert.deepStrictEqual(rule, {
        id: "replicate-cache",
        status: "Enabled",
        filter: { prefix: "" },
        deleteMarkerReplication: { status: "Enabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
          bucket: replica.outputs.arn,
          encryptionConfiguration: { replicaKmsKeyId: one(result, "aws:kms/key:Key", "store-replica-key").outputs.arn },
        },
      });
      const versionings = ofType(result, "aws:s3/bucketVersioning:BucketVersioning").filter((v) => [source.id, replica.id].includes(String(v.inputs.bucket)));
      assert.strictEqual(versionings.length, 2);
      for (const versioning of versionings) assert.ok(replication.dependencies.includes(versioning.urn), versioning.name);
    });

    it("replicates as a role S3 alone assumes, reading the cache and writing the replica, nothing more", async () => {
      const result = await replicated();
      const replication = one(result, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
      const role = one(result, "aws:iam/role:Role", "store-replication-role");
      assert.strictEqual(replication.inputs.role, role.outputs.arn);
      assert.deepStrictEqual(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal, { Service: "s3.amazonaws.com" });
      const policy = one(result, "aws:iam/rolePolicy:RolePolicy", "store-replication-access");
      assert.strictEqual(policy.inputs.role, role.id);
      const arn = (name: string) => String(result.resources.find((r) => r.name === name)?.outputs.arn);
      const statements = JSON.parse(String(policy.inputs.policy)).Statement as { Action: unknown; Resource: unknown }[];
      assert.deepStrictEqual(
        statements.map((s) => [s.Action, s.Resource]),
        [
          [["s3:GetReplicationConfiguration", "s3:ListBucket"], arn("store-bucket")],
          [["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], `${arn("store-bucket")}/*`],
          [["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], `${arn("store-replica-bucket")}/*`],
          ["kms:Decrypt", arn("store-key")],
          [["kms:Encrypt", "kms:GenerateDataKey"], arn("store-replica-key")],
        ],
      );
    });
  });
});
