import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport } from "./iam";

export interface LogBucketArgs {
  /** Days a log object is kept. @default 365 */
  readonly retentionDays?: number;
  /** Let the region's load balancer log delivery write under `alb`. @default true */
  readonly loadBalancerLogs?: boolean;
  /** Tags for everything the component creates. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Where in the bucket each kind of log goes; the bucket policy lets each writer reach its prefix only. */
export const LOG_PREFIXES = { loadBalancer: "alb", s3: "s3/" } as const;

/**
 * The bucket access logs go to: load balancer access logs and S3 server access logs of the module
 * cache. Private, ACLs off, versioned, TLS-only, expiring after `retentionDays`, and encrypted with
 * SSE-S3, the only encryption ELB and S3 log delivery can write with.
 */
export class LogBucket extends pulumi.ComponentResource {
  /** The bucket's name, once its policy lets the writers in: ELB checks that when access logs are turned on. */
  readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:LogBucket", name, {}, opts);
    const parent = { parent: this };

    const bucket = new aws.s3.Bucket(`${name}-logs`, { forceDestroy: false, tags: args.tags }, parent);
    new aws.s3.BucketPublicAccessBlock(
      `${name}-logs-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    new aws.s3.BucketOwnershipControls(`${name}-logs-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-logs-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(`${name}-logs-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-logs-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-logs",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { days: args.retentionDays ?? 365 },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );

    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    // The region's ELB account writes load balancer logs (regions opened since August 2022 have none and
    // need the logdelivery.elasticloadbalancing.amazonaws.com service principal instead).
    const loadBalancerStatements =
      (args.loadBalancerLogs ?? true)
        ? [
            {
              Sid: "LoadBalancerAccessLogs",
              Effect: "Allow",
              Principal: { AWS: aws.elb.getServiceAccountOutput({}, parent).arn },
              Action: "s3:PutObject",
              Resource: pulumi.interpolate`${bucket.arn}/${LOG_PREFIXES.loadBalancer}/AWSLogs/${accountId}/*`,
            },
          ]
        : [];
    const policy = new aws.s3.BucketPolicy(
      `${name}-logs-policy`,
      {
        bucket: bucket.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            denyInsecureTransport(bucket.arn),
            ...loadBalancerStatements,
            {
              Sid: "S3ServerAccessLogs",
              Effect: "Allow",
              Principal: { Service: "logging.s3.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: pulumi.interpolate`${bucket.arn}/${LOG_PREFIXES.s3}*`,
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
          ],
        }),
      },
      parent,
    );

    this.bucketName = pulumi.all([bucket.bucket, policy.id]).apply(([bucketName]) => bucketName);
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
