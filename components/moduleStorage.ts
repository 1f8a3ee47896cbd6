import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport } from "./iam";

export interface ModuleStorageArgs {
  /** Key prefix the proxy writes under; the role may only touch keys below it. Must end in "/". */
  readonly prefix: string;
  /** Days an overwritten or deleted object version is kept. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** The cluster's IAM OIDC provider, trusted to issue the service account's tokens. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL (https://oidc.eks...). */
  readonly oidcIssuer: pulumi.Input<string>;
  /** Namespace and name of the only service account that may assume the role. */
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  /** Bucket and key prefix the cache's server access logs go to (a LogBucket). */
  readonly accessLogs: { readonly bucket: pulumi.Input<string>; readonly prefix: string };
  /** Tags for the key, the bucket and the role. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The module cache bucket (no public access, SSE-KMS with a bucket key, versioning, TLS-only
 * policy, noncurrent-version lifecycle, bucket-owner-enforced ownership, server access logging) and the IRSA role
 * the proxy's service account uses to read and write its prefix.
 */
export class ModuleStorage extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: ModuleStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:ModuleStorage", name, {}, opts);
    const parent = { parent: this };
    if (!/^[^/].*\/$/.test(args.prefix)) {
      throw new Error(`ModuleStorage ${name}: prefix must be relative and end in "/" (got "${args.prefix}")`);
    }

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: "Encrypts the Go module cache",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: args.tags,
      },
      parent,
    );
    const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: false, tags: args.tags }, parent);
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
      },
      parent,
    );
    new aws.s3.BucketLogging(
      `${name}-access-logging`,
      { bucket: bucket.id, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: { prefix: "" },
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
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
      parent,
    );

    const issuerHost = pulumi.output(args.oidcIssuer).apply((issuer) => issuer.replace(/^https:\/\//, ""));
    const { namespace, name: serviceAccountName } = args.serviceAccount;
    const role = new aws.iam.Role(
      `${name}-proxy-role`,
      {
        description: `IRSA role of ${namespace}/${serviceAccountName}`,
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: args.oidcProviderArn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: {
                StringEquals: issuerHost.apply((host) => ({
                  [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccountName}`,
                  [`${host}:aud`]: "sts.amazonaws.com",
                })),
              },
            },
          ],
        }),
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

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.roleArn = role.arn;
    this.registerOutputs({ bucketName: this.bucketName, roleArn: this.roleArn });
  }
}
