import * as assert from "node:assert/strict";
import { goChecksumVerificationOn, noHardcodedIpEndpoints, noPlaintextCredentials } from "../../policies/rules/antipatterns";
import { goUpstreamsUseHttps } from "../../policies/rules/tls";
import { configMap, deployment, env, messages, resource, unknown, violations } from "./helpers";

describe("anti-pattern rules", () => {
  describe("go-checksum-verification-on", () => {
    it("passes a checksum database, GOINSECURE for private hosts only, and GONOSUMDB/GOPRIVATE for the company's own modules", async () => {
      const proxy = deployment(
        "proxy",
        env({
          GOSUMDB: "sum.example.com",
          GOFLAGS: "-mod=mod -insecure=false",
          GOINSECURE: "*.corp,git.tools.svc.cluster.local,gitserver",
          GONOSUMDB: "github.com/acme/*,git.corp.example",
          GOPRIVATE: "*.corp.example.com,*.corp",
        }),
      );
      assert.deepEqual(await messages(goChecksumVerificationOn, [proxy]), []);
    });
    it("reports every spelling of GOFLAGS -insecure the go command accepts as true", async () => {
      for (const flag of ["--insecure", "-insecure=true", "-insecure=TRUE", "-insecure=1"]) {
        assert.deepEqual(
          await messages(goChecksumVerificationOn, [configMap("flags", { GOFLAGS: `-mod=mod ${flag}` })]),
          ["GOFLAGS -insecure fetches and trusts modules without TLS verification (ConfigMap data)."],
          flag,
        );
      }
    });
    it("reports GONOSUMDB and GOPRIVATE patterns that match every module or a whole public top-level domain", async () => {
      const config = configMap("proxy-config", { GONOSUMDB: "*", GOPRIVATE: "github.com/acme/*,*.com,g*" });
      assert.deepEqual(await messages(goChecksumVerificationOn, [config]), [
        "GONOSUMDB takes public modules out of checksum verification (*) (ConfigMap data).",
        "GOPRIVATE takes public modules out of checksum verification (*.com, g*) (ConfigMap data).",
      ]);
    });
    it("treats GOINSECURE globs that could match a public host as public, and the internal suffixes config names as private", async () => {
      const config = configMap("proxy-config", { GOINSECURE: "*.com,g*,*.example.net" });
      assert.deepEqual(await messages(goChecksumVerificationOn, [config]), ["GOINSECURE covers public hosts (*.com, g*, *.example.net) (ConfigMap data)."]);
      assert.deepEqual(
        await messages(goChecksumVerificationOn, [configMap("proxy-config", { GOINSECURE: "*.example.net" })], {
          "go-checksum-verification-on": { internalDomainSuffixes: [".example.net"] },
        }),
        [],
      );
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
    it("reports credentials in ConfigMap binaryData", async () => {
      const base64 = (text: string) => Buffer.from(text).toString("base64");
      const config = resource("kubernetes:core/v1:ConfigMap", "files", {
        metadata: { namespace: "modproxy" },
        binaryData: { "db-password": base64("hunter2"), "client.pem": base64("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"), "logo.png": base64("\x89PNG") },
      });
      assert.deepEqual(await messages(noPlaintextCredentials, [config]), [
        "db-password in ConfigMap binaryData is a literal value; reference a Secret instead.",
        "client.pem in ConfigMap binaryData contains a PEM private key; reference a Secret instead.",
      ]);
    });
    it("reports a literal credential whose value is unknown during preview: its name and literal form suffice", async () => {
      const proxy = deployment("proxy", { env: [{ name: "DB_PASSWORD", value: unknown }] });
      const found = await violations(noPlaintextCredentials, [proxy]);
      assert.deepEqual(
        found.map((v) => [v.enforcementLevel, v.message]),
        [["mandatory", 'DB_PASSWORD in container "proxy" env is a literal value; reference a Secret instead.']],
      );
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
    it("passes DNS names, bind addresses and network ranges", async () => {
      const proxy = deployment(
        "proxy",
        env({ MODPROXY_UPSTREAM: "https://proxy.example.com,direct", LISTEN: "0.0.0.0:8080", TRUSTED: "10.0.0.0/8,2001:db8::/32", METRICS: "127.0.0.1:9090" }),
      );
      assert.deepEqual(await messages(noHardcodedIpEndpoints, [proxy]), []);
    });
    it("reports a single host written as a range", async () => {
      const config = configMap("net", { UPSTREAM_ALLOW: "10.0.0.5/32", DB: "10.0.3.7/24", MIRROR: "2001:db8::10/128" });
      assert.deepEqual(await messages(noHardcodedIpEndpoints, [config]), [
        "UPSTREAM_ALLOW in ConfigMap data hard-codes IP address 10.0.0.5; use a DNS name.",
        "DB in ConfigMap data hard-codes IP address 10.0.3.7; use a DNS name.",
        "MIRROR in ConfigMap data hard-codes IP address 2001:db8::10; use a DNS name.",
      ]);
    });
    it("passes the addresses config allows", async () => {
      const config = configMap("dns", { RESOLVER: "10.0.0.2:53" });
      assert.deepEqual(await messages(noHardcodedIpEndpoints, [config]), ["RESOLVER in ConfigMap data hard-codes IP address 10.0.0.2; use a DNS name."]);
      assert.deepEqual(await messages(noHardcodedIpEndpoints, [config], { "no-hardcoded-ip-endpoints": { allowedAddresses: ["10.0.0.2"] } }), []);
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

  describe("a value unknown during preview", () => {
    // An auto-named bucket's name is unknown in a first `pulumi preview`; it must hide nothing else in the ConfigMap.
    const config = configMap("proxy-config", {
      MODPROXY_S3_BUCKET: unknown,
      GOSUMDB: "off",
      GITHUB_TOKEN: "ghp_example",
      DATABASE: "host=10.9.8.7",
      MODPROXY_UPSTREAM: "http://proxy.example.net",
    });
    const levelsAndMessages = async (policy: Parameters<typeof violations>[0]) =>
      (await violations(policy, [config])).map((v) => [v.enforcementLevel, v.message]);

    it("skips only that setting in each settings rule", async () => {
      assert.deepEqual(await levelsAndMessages(goChecksumVerificationOn), [["mandatory", "GOSUMDB=off disables checksum verification (ConfigMap data)."]]);
      assert.deepEqual(await levelsAndMessages(noPlaintextCredentials), [
        ["mandatory", "GITHUB_TOKEN in ConfigMap data is a literal value; reference a Secret instead."],
      ]);
      assert.deepEqual(await levelsAndMessages(noHardcodedIpEndpoints), [
        ["mandatory", "DATABASE in ConfigMap data hard-codes IP address 10.9.8.7; use a DNS name."],
      ]);
      assert.deepEqual(await levelsAndMessages(goUpstreamsUseHttps), [
        ["mandatory", "MODPROXY_UPSTREAM in ConfigMap data points at plain-http http://proxy.example.net outside the cluster."],
      ]);
    });
    it("leaves an unknown GOSUMDB for the update, when the engine checks it known", async () => {
      assert.deepEqual(await messages(goChecksumVerificationOn, [configMap("proxy-config", { GOSUMDB: unknown })]), []);
    });
  });
});
