import * as assert from "assert";
import { parseStackFile } from "../../infra/stackFile";

describe("parseStackFile", () => {
  it("reads plain and quoted values, and keeps encrypted ones as secret keys without a value", () => {
    const config = parseStackFile(
      [
        "# a comment",
        "encryptionsalt: abc",
        "config:",
        "  aws:region: eu-west-1",
        '  modproxy:replicas: "3"',
        "  modproxy:upstream: 'https://a.example,direct' # trailing comment",
        '  modproxy:goPrivate: "git.example.com/#not-a-comment" # a comment',
        "  modproxy:s3Prefix: cache/ # plain value with a comment",
        "  modproxy:vcsCredentials:",
        "    secure: v1:AAAA",
      ].join("\n"),
      "Pulumi.test.yaml",
    );
    assert.deepStrictEqual(config, {
      values: {
        "aws:region": "eu-west-1",
        "modproxy:replicas": "3",
        "modproxy:upstream": "https://a.example,direct",
        "modproxy:goPrivate": "git.example.com/#not-a-comment",
        "modproxy:s3Prefix": "cache/",
        "modproxy:vcsCredentials": undefined,
      },
      secretKeys: ["modproxy:vcsCredentials"],
    });
  });

  it("names the line it does not understand", () => {
    assert.throws(() => parseStackFile("config:\n  modproxy:azs:\n    - a\n", "Pulumi.x.yaml"), /Pulumi\.x\.yaml:3/);
  });
});
