import * as assert from "node:assert/strict";
import { s3BucketPublicAccessBlock } from "../../../../policies/rules/s3/s3-bucket-public-access-block";
import { messages, resource, violations } from "../../helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

describe("s3-bucket-public-access-block", () => {
  it("passes a bucket whose block sets all four settings", async () => {
    const block = resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cache", { bucket: "modproxy-cache", ...allBlocked });
    assert.deepEqual(await messages(s3BucketPublicAccessBlock, [bucket, block]), []);
  });
  it("joins through property dependencies when the bucket name is only known after deployment", async () => {
    const unnamed = resource("aws:s3/bucket:Bucket", "cache", {});
    const block = resource(
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "cache",
      { bucket: "cache-id", ...allBlocked },
      {
        propertyDependencies: { bucket: [unnamed.urn] },
      },
    );
    assert.deepEqual(await messages(s3BucketPublicAccessBlock, [unnamed, block]), []);
  });
  it("reports a bucket without a block, against the bucket", async () => {
    const found = await violations(s3BucketPublicAccessBlock, [bucket]);
    assert.deepEqual(
      found.map((v) => [v.urn, v.message]),
      [[bucket.urn, 'Bucket "cache" has no BucketPublicAccessBlock.']],
    );
  });
  it("reports the settings a block leaves off", async () => {
    const block = resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cache", {
      bucket: "modproxy-cache",
      ...allBlocked,
      blockPublicPolicy: false,
      ignorePublicAcls: undefined,
    });
    assert.deepEqual(await messages(s3BucketPublicAccessBlock, [bucket, block]), [
      'Bucket "cache" public access block "cache" does not set blockPublicPolicy, ignorePublicAcls to true.',
    ]);
  });
});
