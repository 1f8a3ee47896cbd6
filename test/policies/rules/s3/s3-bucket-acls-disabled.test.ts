import * as assert from "node:assert/strict";
import { s3BucketAclsDisabled } from "../../../../policies/rules/s3/s3-bucket-acls-disabled";
import { changed, messages, resource } from "../../helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const ownership = resource("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "cache-ownership", {
  bucket: "modproxy-cache",
  rule: { objectOwnership: "BucketOwnerEnforced" },
});

describe("s3-bucket-acls-disabled", () => {
  it("passes a bucket whose owner enforces ownership", async () => {
    assert.deepEqual(await messages(s3BucketAclsDisabled, [bucket, ownership]), []);
  });
  it("reports ACLs left on", async () => {
    assert.deepEqual(await messages(s3BucketAclsDisabled, [bucket, changed(ownership, "rule.objectOwnership", "ObjectWriter")]), [
      'Bucket "cache" does not set object ownership to BucketOwnerEnforced (ObjectWriter), so ACLs still apply.',
    ]);
    assert.deepEqual(await messages(s3BucketAclsDisabled, [bucket]), [
      'Bucket "cache" does not set object ownership to BucketOwnerEnforced (no BucketOwnershipControls), so ACLs still apply.',
    ]);
  });
});
