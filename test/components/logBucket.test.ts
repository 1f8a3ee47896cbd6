import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { LogBucket } from "../../components/logBucket";
import { assertParentedToComponent, at, one, synthesizeComponent } from "../infra/resources";

describe("LogBucket", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(() => new LogBucket("l", {})));
  });

  it("is private, owner-enforced, versioned and encrypted with SSE-S3, which log delivery requires", async () => {
    const result = await synthesizeComponent(() => new LogBucket("l", {}));
    const bucketName = "l-logs-a1b2c3";
    assert.deepStrictEqual(one(result, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs, {
      bucket: bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    assert.strictEqual(at(one(result, "aws:s3/bucketOwnershipControls:BucketOwnershipControls"), "rule.objectOwnership"), "BucketOwnerEnforced");
    assert.strictEqual(at(one(result, "aws:s3/bucketVersioning:BucketVersioning"), "versioningConfiguration.status"), "Enabled");
    assert.deepStrictEqual(at(one(result, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"), "rules"), [
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);
  });

  it("expires logs after the retention and old versions after 30 days", async () => {
    const result = await synthesizeComponent(() => new LogBucket("l", { retentionDays: 90 }));
    const [rule] = one(result, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as Record<string, unknown>[];
    assert.deepStrictEqual([rule.expiration, rule.noncurrentVersionExpiration], [{ days: 90 }, { noncurrentDays: 30 }]);
  });

  it("denies requests without TLS and lets only the region's ELB account and S3 logging from this account write, each under its prefix", async () => {
    const result = await synthesizeComponent(() => new LogBucket("l", {}));
    const arn = "arn:aws:s3:::l-logs-a1b2c3";
    const statements = JSON.parse(String(one(result, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy)).Statement as Record<string, unknown>[];
    assert.deepStrictEqual(
      statements.map((s) => [s.Effect, s.Principal, s.Action, s.Resource, s.Condition]),
      [
        ["Deny", "*", "s3:*", [arn, `${arn}/*`], { Bool: { "aws:SecureTransport": "false" } }],
        ["Allow", { AWS: "arn:aws:iam::156460612806:root" }, "s3:PutObject", `${arn}/alb/AWSLogs/123456789012/*`, undefined],
        ["Allow", { Service: "logging.s3.amazonaws.com" }, "s3:PutObject", `${arn}/s3/*`, { StringEquals: { "aws:SourceAccount": "123456789012" } }],
      ],
    );
  });

  it("hands out its name only once the policy letting the writers in exists", async () => {
    const result = await synthesizeComponent(() => {
      const logs = new LogBucket("l", {});
      return new aws.s3.BucketLogging("writer", { bucket: "other", targetBucket: logs.bucketName, targetPrefix: "s3/" });
    });
    const writer = one(result, "aws:s3/bucketLogging:BucketLogging");
    assert.strictEqual(writer.inputs.targetBucket, "l-logs-a1b2c3");
    assert.ok(writer.propertyDependencies.targetBucket.includes(one(result, "aws:s3/bucketPolicy:BucketPolicy").urn));
  });
});
