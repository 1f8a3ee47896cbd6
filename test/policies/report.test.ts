import * as assert from "node:assert/strict";
import { formatViolations } from "../../policies/report";
import { resource } from "./helpers";

describe("policy violation report", () => {
  const bucket = resource("aws:s3/bucket:Bucket", "cache", {});
  const listener = resource("aws:lb/listener:Listener", "http", {});

  it("groups violations by resource like the Pulumi CLI and ends with a summary", () => {
    const text = formatViolations(
      [
        {
          policyName: "lb-listener-tls",
          description: "Listeners use TLS.",
          enforcementLevel: "mandatory",
          message: "HTTP listener serves traffic.",
          urn: listener.urn,
        },
        { policyName: "s3-a", description: "A.", enforcementLevel: "mandatory", message: "first", urn: bucket.urn },
        { policyName: "s3-b", description: "B.", enforcementLevel: "advisory", message: "second", urn: bucket.urn },
        { policyName: "stack-wide", description: "S.", enforcementLevel: "advisory", message: "whole stack" },
      ],
      [bucket, listener],
    );
    assert.equal(
      text,
      [
        "Policy Violations:",
        "    [mandatory]  modproxy v0.1.0  s3-a (aws:s3/bucket:Bucket: cache)",
        "    A.",
        "    first",
        "    [advisory]  modproxy v0.1.0  s3-b (aws:s3/bucket:Bucket: cache)",
        "    B.",
        "    second",
        "    [mandatory]  modproxy v0.1.0  lb-listener-tls (aws:lb/listener:Listener: http)",
        "    Listeners use TLS.",
        "    HTTP listener serves traffic.",
        "    [advisory]  modproxy v0.1.0  stack-wide (pulumi:pulumi:Stack: modproxy-test)",
        "    S.",
        "    whole stack",
        "",
        "4 policy violation(s) on 3 resource(s): 2 mandatory, 2 advisory.",
        "",
      ].join("\n"),
    );
  });

  it("names the stack after the project in the resources' URNs, not after the policy pack", () => {
    const elsewhere = resource("aws:s3/bucket:Bucket", "cache", {}, { urn: "urn:pulumi:staging::go-mirror::aws:s3/bucket:Bucket::cache" });
    const text = formatViolations([{ policyName: "stack-wide", description: "S.", enforcementLevel: "advisory", message: "whole stack" }], [elsewhere]);
    assert.match(text, /stack-wide \(pulumi:pulumi:Stack: go-mirror-staging\)\n/);
  });

  it("says so when there is nothing to report", () => {
    assert.equal(formatViolations([], [bucket]), "No policy violations.\n");
  });
});
