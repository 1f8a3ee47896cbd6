import * as assert from "node:assert/strict";
import { s3BucketPolicyNoPublicPrincipal } from "../../../../policies/rules/s3/s3-bucket-policy-no-public-principal";
import { changed, messages, resource } from "../../helpers";

const statements = [
  {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  },
  {
    Sid: "S3ServerAccessLogs",
    Effect: "Allow",
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: "arn:aws:s3:::logs/*",
    Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
  },
];
const policy = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statements[0], { ...statements[1], ...statement }] });
const baseline = resource("aws:s3/bucketPolicy:BucketPolicy", "logs", { bucket: "logs", policy: policy({}) });

describe("s3-bucket-policy-no-public-principal", () => {
  it("passes a deny to everyone and an allow to a service pinned to the account", async () => {
    assert.deepEqual(await messages(s3BucketPolicyNoPublicPrincipal, [baseline]), []);
    assert.deepEqual(await messages(s3BucketPolicyNoPublicPrincipal, [changed(baseline, "policy", policy({ Principal: "*" }))]), []);
  });
  it("reports an allow to any principal without a condition", async () => {
    assert.deepEqual(await messages(s3BucketPolicyNoPublicPrincipal, [changed(baseline, "policy", policy({ Principal: "*", Condition: undefined }))]), [
      'Bucket policy statement "S3ServerAccessLogs" allows any principal without a condition pinning it to an account, organization or network.',
    ]);
  });
  it("reads a bucket's inline policy too", async () => {
    const bucket = resource("aws:s3/bucket:Bucket", "logs", { policy: policy({ Principal: { AWS: ["*"] }, Condition: undefined }) });
    assert.equal((await messages(s3BucketPolicyNoPublicPrincipal, [bucket])).length, 1);
  });
});
