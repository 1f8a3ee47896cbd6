import * as assert from "node:assert/strict";
import { s3BucketAccessLogging } from "../../../../policies/rules/s3/s3-bucket-access-logging";
import { changed, resource, violations } from "../../helpers";

const cache = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const logs = resource("aws:s3/bucket:Bucket", "logs", { bucket: "modproxy-logs" });
const logging = resource("aws:s3/bucketLogging:BucketLogging", "cache-logging", {
  bucket: "modproxy-cache",
  targetBucket: "modproxy-logs",
  targetPrefix: "s3/",
});
const findings = async (...resources: Parameters<typeof violations>[1]) => (await violations(s3BucketAccessLogging, resources)).map((v) => [v.urn, v.message]);

describe("s3-bucket-access-logging", () => {
  it("passes a bucket logging to a log bucket, which itself is exempt", async () => {
    assert.deepEqual(await findings(cache, logs, logging), []);
  });
  it("accepts inline logging on an aws:s3/bucket:Bucket", async () => {
    assert.deepEqual(await findings(changed(cache, "logging", { targetBucket: "modproxy-logs" }), logs), []);
  });
  it("reports a bucket without access logging", async () => {
    assert.deepEqual(await findings(cache, logs), [
      [cache.urn, 'Bucket "cache" has no server access logging.'],
      [logs.urn, 'Bucket "logs" has no server access logging.'],
    ]);
  });
  it("reports a bucket logging into itself", async () => {
    assert.deepEqual(await findings(cache, changed(logging, "targetBucket", "modproxy-cache")), [
      [cache.urn, 'Bucket "cache" logs its access into itself; send it to a separate log bucket.'],
    ]);
  });
});
