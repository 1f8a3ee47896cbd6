import * as assert from "node:assert/strict";
import { s3BucketVersioning } from "../../../../policies/rules/s3/s3-bucket-versioning";
import { changed, messages, resource } from "../../helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache" });
const versioning = resource("aws:s3/bucketVersioning:BucketVersioning", "cache-versioning", {
  bucket: "modproxy-cache",
  versioningConfiguration: { status: "Enabled" },
});

describe("s3-bucket-versioning", () => {
  it("passes a bucket with versioning enabled, standalone or inline", async () => {
    assert.deepEqual(await messages(s3BucketVersioning, [bucket, versioning]), []);
    assert.deepEqual(await messages(s3BucketVersioning, [changed(bucket, "versioning", { enabled: true })]), []);
  });
  it("reports a bucket without versioning", async () => {
    assert.deepEqual(await messages(s3BucketVersioning, [bucket]), ['Bucket "cache" has no versioning configuration; enable versioning.']);
  });
  it("reports suspended versioning", async () => {
    assert.deepEqual(await messages(s3BucketVersioning, [bucket, changed(versioning, "versioningConfiguration.status", "Suspended")]), [
      'Bucket "cache" versioning is Suspended; keep it Enabled.',
    ]);
  });
});
