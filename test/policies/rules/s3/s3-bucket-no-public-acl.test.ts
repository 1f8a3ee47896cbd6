import * as assert from "node:assert/strict";
import { s3BucketNoPublicAcl } from "../../../../policies/rules/s3/s3-bucket-no-public-acl";
import { changed, messages, resource } from "../../helpers";

const bucket = resource("aws:s3/bucket:Bucket", "cache", { bucket: "modproxy-cache", acl: "private" });
const bucketAcl = resource("aws:s3/bucketAcl:BucketAcl", "cache-acl", {
  bucket: "modproxy-cache",
  accessControlPolicy: { owner: { id: "owner" }, grants: [{ grantee: { type: "CanonicalUser", id: "owner" }, permission: "FULL_CONTROL" }] },
});

describe("s3-bucket-no-public-acl", () => {
  it("passes private ACLs and grants to the owner", async () => {
    assert.deepEqual(await messages(s3BucketNoPublicAcl, [bucket, bucketAcl]), []);
  });
  it("reports a public canned ACL", async () => {
    assert.deepEqual(await messages(s3BucketNoPublicAcl, [changed(bucket, "acl", "public-read")]), [
      "The canned ACL public-read makes the bucket's contents public; leave ACLs off (BucketOwnerEnforced).",
    ]);
  });
  it("reports grants to everyone or every AWS account", async () => {
    const allUsers = changed(bucketAcl, "accessControlPolicy.grants.0.grantee", { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" });
    assert.deepEqual(await messages(s3BucketNoPublicAcl, [allUsers]), ["A grant to AllUsers makes the bucket public; leave ACLs off (BucketOwnerEnforced)."]);
    const inline = changed(bucket, "grants", [{ type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", permissions: ["READ"] }]);
    assert.deepEqual(await messages(s3BucketNoPublicAcl, [inline]), [
      "A grant to AuthenticatedUsers makes the bucket public; leave ACLs off (BucketOwnerEnforced).",
    ]);
  });
});
