import * as assert from "node:assert/strict";
import { goUpstreamsUseHttps } from "../../../../policies/rules/settings/go-upstreams-use-https";
import { goChecksumVerificationOn } from "../../../../policies/rules/settings/go-checksum-verification-on";
import { noPlaintextCredentials } from "../../../../policies/rules/settings/no-plaintext-credentials";
import { noHardcodedIpEndpoints } from "../../../../policies/rules/settings/no-hardcoded-ip-endpoints";
import { configMap, messages, unknown, violations } from "../../helpers";

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
