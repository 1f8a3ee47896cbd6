import * as assert from "node:assert/strict";
import { noPlaintextCredentials } from "../../../../policies/rules/settings/no-plaintext-credentials";
import { configMap, deployment, env, messages, resource, unknown, violations } from "../../helpers";

describe("no-plaintext-credentials", () => {
  it("passes secretKeyRef env and ConfigMaps without credentials", async () => {
    const proxy = deployment("proxy", {
      env: [
        { name: "UPSTREAM_TOKEN", valueFrom: { secretKeyRef: { name: "upstream", key: "token" } } },
        { name: "MODPROXY_S3_BUCKET", value: "modproxy-cache" },
      ],
    });
    const config = configMap("proxy-config", {
      MODPROXY_UPSTREAM: "https://proxy.example.com",
      GOPRIVATE: "git.example.com/*",
      API_KEY: "",
      MODPROXY_AUTH_TOKENS_FILE: "/etc/modproxy/tokens/tokens",
      KMS_KEY_ARN: "arn:aws:kms:eu-west-1:123456789012:key/k",
      MONKEY_COUNT: "3",
      KEYBOARD_LAYOUT: "us",
    });
    assert.deepEqual(await messages(noPlaintextCredentials, [proxy, config]), []);
  });
  it("reports credential words inside a name, and KEY or PASS as a whole part", async () => {
    const config = configMap("proxy-config", { DBPASSWORD: "hunter2", GITHUBTOKEN: "ghp_example", SMTP_PASS: "hunter2", Api_Key: "k" });
    assert.deepEqual(await messages(noPlaintextCredentials, [config]), [
      "DBPASSWORD in ConfigMap data is a literal value; reference a Secret instead.",
      "GITHUBTOKEN in ConfigMap data is a literal value; reference a Secret instead.",
      "SMTP_PASS in ConfigMap data is a literal value; reference a Secret instead.",
      "Api_Key in ConfigMap data is a literal value; reference a Secret instead.",
    ]);
  });
  it("reports credentials named in ConfigMap binaryData", async () => {
    const base64 = (text: string) => Buffer.from(text).toString("base64");
    const config = resource("kubernetes:core/v1:ConfigMap", "files", {
      metadata: { namespace: "modproxy" },
      binaryData: { "db-password": base64("hunter2"), "logo.png": base64("\x89PNG") },
    });
    assert.deepEqual(await messages(noPlaintextCredentials, [config]), ["db-password in ConfigMap binaryData is a literal value; reference a Secret instead."]);
  });
  it("reports a literal credential whose value is unknown during preview: its name and literal form suffice", async () => {
    const proxy = deployment("proxy", { env: [{ name: "DB_PASSWORD", value: unknown }] });
    const found = await violations(noPlaintextCredentials, [proxy]);
    assert.deepEqual(
      found.map((v) => [v.enforcementLevel, v.message]),
      [["mandatory", 'DB_PASSWORD in container "proxy" env is a literal value; reference a Secret instead.']],
    );
  });
  it("reports literal secrets by name, leaving credential-shaped values to no-credentials-by-value", async () => {
    const proxy = deployment("proxy", env({ GITHUB_TOKEN: "ghp_example", DATABASE_URL: "postgres://modproxy:hunter2@db.example.com/modproxy" }));
    const config = configMap("proxy-config", {
      "aws-secret-access-key": "abc",
      AWS_ACCESS_KEY: "AKIAABCDEFGHIJKLMNOP",
      VCS_FILE: "https://ci:hunter2@git.example.com",
    });
    assert.deepEqual(await messages(noPlaintextCredentials, [proxy, config]), [
      'GITHUB_TOKEN in container "proxy" env is a literal value; reference a Secret instead.',
      "aws-secret-access-key in ConfigMap data is a literal value; reference a Secret instead.",
      "AWS_ACCESS_KEY in ConfigMap data is a literal value; reference a Secret instead.",
    ]);
  });
});
