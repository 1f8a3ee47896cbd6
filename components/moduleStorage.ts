import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport, serviceTrustPolicy } from "./iam";
import { LOG_PREFIXES, LogBucket } from "./logBucket";

/**
 * How the proxy's pods get the storage role: EKS Pod Identity (an association of the role with the
 * service account, made through the EKS API) or IRSA (the role trusts the cluster's OIDC provider).
 */
export type PodCredentials =
  | { readonly kind: "podIdentity"; readonly clusterName: pulumi.Input<string> }
  | { readonly kind: "irsa"; readonly oidcProviderArn: pulumi.Input<string>; readonly oidcIssuer: pulumi.Input<string> };

export interface ModuleStorageArgs {
  /** Key prefix the proxy writes under; the role may only touch keys below it. Must end in "/". */
  readonly prefix: string;
  /** Days an overwritten or deleted object version is kept. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** How the service account gets the role. */
  readonly podCredentials: PodCredentials;
  /** Namespace and name of the only service account that may assume the role. */
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  /** Bucket and key prefix the cache's server access logs go to (a LogBucket). */
  readonly accessLogs: { readonly bucket: pulumi.Input<string>; readonly prefix: string };
  /**
   * Region of a replica of the bucket, kept by S3 cross-region replication for disaster recovery (a
   * provider of its own, a key, a bucket set up like the cache and a log bucket there). @default unset: no replica
   */
  readonly replicaRegion?: string;
  /** Tags for the key, the bucket and the role. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

interface CacheBucketArgs {
  readonly description: string;
  readonly noncurrentVersionDays: number;
  readonly accessLogs: { readonly bucket: pulumi.Input<string>; readonly prefix: string };
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A bucket as the module cache needs it: its own rotating KMS key, no public access, ACLs off,
 * versioning, noncurrent versions expired, TLS only, server access logging.
 */
function cacheBucket(name: string, args: CacheBucketArgs, opts: pulumi.CustomResourceOptions) {
  const key = new aws.kms.Key(`${name}-key`, { description: args.description, enableKeyRotation: true, deletionWindowInDays: 30, tags: args.tags }, opts);
  const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: false, tags: args.tags }, opts);
  new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    },
    opts,
  );
  new aws.s3.BucketLogging(`${name}-access-logging`, { bucket: bucket.id, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix }, opts);
  const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: { prefix: "" },
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    { ...opts, dependsOn: [versioning] },
  );
  new aws.s3.BucketPolicy(
    `${name}-tls-only`,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [denyInsecureTransport(bucket.arn)],
      }),
    },
    opts,
  );
  return { key, bucket, versioning };
}

/**
 * The module cache bucket (no public access, SSE-KMS with a bucket key, versioning, TLS-only
 * policy, noncurrent-version lifecycle, bucket-owner-enforced ownership, server access logging), the
 * role the proxy's service account uses to read and write its prefix (through EKS Pod Identity or
 * IRSA), and optionally a replica in another region.
 */
export class ModuleStorage extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  /** The Pod Identity association; pods started before it exists get no credentials. Undefined with IRSA. */
  readonly podIdentityAssociation?: aws.eks.PodIdentityAssociation;
  /** The replica's bucket name, with `replicaRegion`. */
  readonly replicaBucketName?: pulumi.Output<string>;

  constructor(name: string, args: ModuleStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:ModuleStorage", name, {}, opts);
    const parent = { parent: this };
    if (!/^[^/].*\/$/.test(args.prefix)) {
      throw new Error(`ModuleStorage ${name}: prefix must be relative and end in "/" (got "${args.prefix}")`);
    }
    const noncurrentVersionDays = args.noncurrentVersionDays ?? 30;
    const { key, bucket, versioning } = cacheBucket(
      name,
      { description: "Encrypts the Go module cache", noncurrentVersionDays, accessLogs: args.accessLogs, tags: args.tags },
      parent,
    );

    const { namespace, name: serviceAccountName } = args.serviceAccount;
    const credentials = args.podCredentials;
    const role = new aws.iam.Role(
      `${name}-proxy-role`,
      {
        description: `${credentials.kind === "podIdentity" ? "Pod Identity" : "IRSA"} role of ${namespace}/${serviceAccountName}`,
        assumeRolePolicy:
          credentials.kind === "podIdentity" ? podIdentityTrust(credentials.clusterName, args.serviceAccount) : irsaTrust(credentials, args.serviceAccount),
        tags: args.tags,
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-proxy-access`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ListCachePrefix",
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: bucket.arn,
              Condition: { StringLike: { "s3:prefix": `${args.prefix}*` } },
            },
            { Sid: "ReadWriteCache", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: pulumi.interpolate`${bucket.arn}/${args.prefix}*` },
            { Sid: "UseCacheKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key.arn },
          ],
        }),
      },
      parent,
    );

    if (credentials.kind === "podIdentity") {
      this.podIdentityAssociation = new aws.eks.PodIdentityAssociation(
        `${name}-pod-identity`,
        { clusterName: credentials.clusterName, namespace, serviceAccount: serviceAccountName, roleArn: role.arn, tags: args.tags },
        parent,
      );
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.roleArn = role.arn;
    if (args.replicaRegion !== undefined) {
      this.replicaBucketName = this.replicate(name, args.replicaRegion, { bucket, key, versioning }, noncurrentVersionDays, args.tags);
    }
    this.registerOutputs({ bucketName: this.bucketName, roleArn: this.roleArn, replicaBucketName: this.replicaBucketName });
  }

  /**
   * A copy of every object version in `region`, set up as the cache is, kept by S3 replication:
   * delete markers follow (so gc's removals do), while the versions they hide stay for
   * `noncurrentVersionDays` on both sides.
   */
  private replicate(
    name: string,
    region: string,
    source: { bucket: aws.s3.Bucket; key: aws.kms.Key; versioning: aws.s3.BucketVersioning },
    noncurrentVersionDays: number,
    tags: Readonly<Record<string, string>> | undefined,
  ): pulumi.Output<string> {
    // Credentials come from the environment, as the default provider's do; `aws:` stack keys other than the region are not read.
    const provider = new aws.Provider(`${name}-replica-region`, { region: region as aws.Region }, { parent: this });
    const inReplicaRegion = { parent: this, provider };
    // Server access logs can only go to a bucket in the same region; no load balancer logs there.
    const logs = new LogBucket(`${name}-replica`, { loadBalancerLogs: false, tags }, inReplicaRegion);
    const replica = cacheBucket(
      `${name}-replica`,
      {
        description: "Encrypts the replica of the Go module cache",
        noncurrentVersionDays,
        accessLogs: { bucket: logs.bucketName, prefix: LOG_PREFIXES.s3 },
        tags,
      },
      inReplicaRegion,
    );

    const role = new aws.iam.Role(
      `${name}-replication-role`,
      { description: "S3 replication of the Go module cache", assumeRolePolicy: serviceTrustPolicy("s3.amazonaws.com"), tags },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-replication-access`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "ReadSourceConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: source.bucket.arn },
            {
              Sid: "ReadSourceVersions",
              Effect: "Allow",
              Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
              Resource: pulumi.interpolate`${source.bucket.arn}/*`,
            },
            {
              Sid: "WriteReplica",
              Effect: "Allow",
              Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
              Resource: pulumi.interpolate`${replica.bucket.arn}/*`,
            },
            { Sid: "DecryptSource", Effect: "Allow", Action: "kms:Decrypt", Resource: source.key.arn },
            { Sid: "EncryptReplica", Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: replica.key.arn },
          ],
        }),
      },
      { parent: this },
    );
    new aws.s3.BucketReplicationConfig(
      `${name}-replication`,
      {
        bucket: source.bucket.id,
        role: role.arn,
        rules: [
          {
            id: "replicate-cache",
            status: "Enabled",
            filter: { prefix: "" },
            deleteMarkerReplication: { status: "Enabled" },
            // Without these, S3 skips every object encrypted with a KMS key: all of the cache's.
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: { bucket: replica.bucket.arn, encryptionConfiguration: { replicaKmsKeyId: replica.key.arn } },
          },
        ],
      },
      // S3 refuses replication until both buckets keep versions.
      { parent: this, dependsOn: [source.versioning, replica.versioning, policy] },
    );
    return replica.bucket.bucket;
  }
}

/** Pod Identity's trust: the EKS service, for this cluster's service account only (the session tags it sets). */
function podIdentityTrust(clusterName: pulumi.Input<string>, serviceAccount: { readonly namespace: string; readonly name: string }) {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": clusterName,
            "aws:RequestTag/kubernetes-namespace": serviceAccount.namespace,
            "aws:RequestTag/kubernetes-service-account": serviceAccount.name,
          },
        },
      },
    ],
  });
}

/** IRSA's trust: tokens the cluster's OIDC provider issued to this service account. */
function irsaTrust(credentials: Extract<PodCredentials, { kind: "irsa" }>, serviceAccount: { readonly namespace: string; readonly name: string }) {
  const issuerHost = pulumi.output(credentials.oidcIssuer).apply((issuer) => issuer.replace(/^https:\/\//, ""));
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: credentials.oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: issuerHost.apply((host) => ({
            [`${host}:sub`]: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
            [`${host}:aud`]: "sts.amazonaws.com",
          })),
        },
      },
    ],
  });
}
