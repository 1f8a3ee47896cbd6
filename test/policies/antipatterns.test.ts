import * as assert from "node:assert/strict";
import { goChecksumVerificationOn, noHardcodedIpEndpoints, noPlaintextCredentials } from "../../policies/rules/antipatterns";
import { configMap, deployment, env, messages } from "./helpers";

describe("anti-pattern rules", () => {
  describe("go-checksum-verification-on", () => {
    it("passes a checksum database and GOINSECURE for private hosts only", async () => {
      const proxy = deployment("proxy", env({ GOSUMDB: "sum.example.com", GOFLAGS: "-mod=mod", GOINSECURE: "*.corp,git.tools.svc.cluster.local,gitserver" }));
      assert.deepEqual(await messages(goChecksumVerificationOn, [proxy]), []);
    });
    it("reports GOSUMDB=off, GOFLAGS -insecure and GOINSECURE for public hosts", async () => {
      const proxy = deployment("proxy", env({ GOSUMDB: "off", GOFLAGS: "-mod=mod -insecure" }));
      const config = configMap("proxy-config", { GOINSECURE: "git.corp,*.example.com/team,*" });
      assert.deepEqual(await messages(goChecksumVerificationOn, [proxy, config]), [
        'GOSUMDB=off disables checksum verification (container "proxy" env).',
        'GOFLAGS -insecure fetches and trusts modules without TLS verification (container "proxy" env).',
        "GOINSECURE covers public hosts (*.example.com/team, *) (ConfigMap data).",
      ]);
    });
  });

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
      });
      assert.deepEqual(await messages(noPlaintextCredentials, [proxy, config]), []);
    });
    it("reports literal secrets by name and credential-shaped values", async () => {
      const proxy = deployment("proxy", env({ GITHUB_TOKEN: "ghp_example", DATABASE_URL: "postgres://modproxy:hunter2@db.example.com/modproxy" }));
      const config = configMap("proxy-config", {
        "aws-secret-access-key": "abc",
        AWS_ACCESS_KEY: "AKIAABCDEFGHIJKLMNOP",
        VCS_FILE: "https://ci:hunter2@git.example.com",
      });
      assert.deepEqual(await messages(noPlaintextCredentials, [proxy, config]), [
        'GITHUB_TOKEN in container "proxy" env is a literal value; reference a Secret instead.',
        'DATABASE_URL in container "proxy" env contains a URL with an embedded password; reference a Secret instead.',
        "aws-secret-access-key in ConfigMap data is a literal value; reference a Secret instead.",
        "AWS_ACCESS_KEY in ConfigMap data is a literal value; reference a Secret instead.",
        "VCS_FILE in ConfigMap data contains a URL with an embedded password; reference a Secret instead.",
      ]);
    });
  });

  describe("no-hardcoded-ip-endpoints", () => {
    it("passes DNS names, bind addresses and CIDR ranges", async () => {
      const proxy = deployment(
        "proxy",
        env({ MODPROXY_UPSTREAM: "https://proxy.example.com,direct", LISTEN: "0.0.0.0:8080", TRUSTED: "10.0.0.0/8", METRICS: "127.0.0.1:9090" }),
      );
      assert.deepEqual(await messages(noHardcodedIpEndpoints, [proxy]), []);
    });
    it("reports IP literals in upstream lists, DSNs and host:port values", async () => {
      const proxy = deployment("proxy", env({ MODPROXY_UPSTREAM: "https://10.1.2.3:8443|direct", VCS: "git@[2001:db8::10]:repo.git" }));
      const config = configMap("db", { DATABASE: "host=10.9.8.7 port=5432 dbname=modproxy" });
      assert.deepEqual(await messages(noHardcodedIpEndpoints, [proxy, config]), [
        'MODPROXY_UPSTREAM in container "proxy" env hard-codes IP address 10.1.2.3; use a DNS name.',
        'VCS in container "proxy" env hard-codes IP address 2001:db8::10; use a DNS name.',
        "DATABASE in ConfigMap data hard-codes IP address 10.9.8.7; use a DNS name.",
      ]);
    });
  });
});
