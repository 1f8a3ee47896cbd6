import * as assert from "node:assert/strict";
import { s3BucketKmsEncryption } from "../../../../policies/rules/s3/s3-bucket-kms-encryption";
import { changed, resource, violations } from "../../helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const encryption = resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "cache-encryption", {
  bucket: "modproxy-cache",
  rules: [
    { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" }, bucketKeyEnabled: true },
  ],
});
const findings = async (...resources: Parameters<typeof violations>[1]) => (await violations(s3BucketKmsEncryption, resources)).map((v) => [v.urn, v.message]);

describe("s3-bucket-kms-encryption", () => {
  it("passes a bucket encrypted with a customer-managed key", async () => {
    assert.deepEqual(await findings(bucket, encryption), []);
  });
  it("accepts the inline configuration of an aws:s3/bucket:Bucket", async () => {
    const inline = changed(bucket, "serverSideEncryptionConfiguration", { rule: (encryption.inputs.rules as unknown[])[0] });
    assert.deepEqual(await findings(inline), []);
  });
  it("reports a bucket without default encryption", async () => {
    assert.deepEqual(await findings(bucket), [
      [bucket.urn, 'Bucket "cache" has no default encryption configuration, so S3 uses its own keys (SSE-S3); use a customer-managed KMS key.'],
    ]);
  });
  it("reports encryption downgraded to SSE-S3 or to the AWS-managed key", async () => {
    assert.deepEqual(await findings(bucket, changed(encryption, "rules.0.applyServerSideEncryptionByDefault", { sseAlgorithm: "AES256" })), [
      [bucket.urn, 'Bucket "cache" default encryption is AES256; use a customer-managed KMS key (aws:kms with kmsMasterKeyId).'],
    ]);
    assert.deepEqual(await findings(bucket, changed(encryption, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", undefined)), [
      [bucket.urn, 'Bucket "cache" default encryption is aws:kms with the AWS-managed key; use a customer-managed KMS key (aws:kms with kmsMasterKeyId).'],
    ]);
  });
  it("exempts buckets that receive load balancer or S3 access logs", async () => {
    const logs = resource("aws:s3/bucket:Bucket", "logs", { bucket: "modproxy-logs" });
    const alb = resource("aws:lb/loadBalancer:LoadBalancer", "alb", { accessLogs: { bucket: "modproxy-logs", enabled: true } });
    assert.deepEqual(await findings(logs, alb), []);
    const logging = resource("aws:s3/bucketLogging:BucketLogging", "cache-logging", { bucket: "modproxy-cache", targetBucket: "modproxy-logs" });
    assert.deepEqual(await findings(bucket, encryption, logs, logging), []);
  });
});
