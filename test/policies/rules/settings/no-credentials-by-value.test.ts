import * as assert from "node:assert/strict";
import { noCredentialsByValue } from "../../../../policies/rules/settings/no-credentials-by-value";
import { changed, configMap, containerPath, hardenedDeployment, messages, resource, unknown } from "../../helpers";

// Settings as the proxy's ConfigMap holds them: hosts, files and paths, no credentials.
const settings = configMap("proxy-settings", {
  MODPROXY_UPSTREAM: "https://goproxy.internal.example.com,direct",
  MODPROXY_VCS_CREDENTIALS_FILE: "/etc/modproxy/vcs/netrc",
  GOPRIVATE: "git.example.com/*",
  NOTE: "the machine room password is on the wiki",
});
const github = `ghp_${"a1B2".repeat(9)}`;

describe("no-credentials-by-value", () => {
  it("passes settings that only name where credentials live", async () => {
    assert.deepEqual(await messages(noCredentialsByValue, [settings, hardenedDeployment]), []);
  });
  it("reports a .netrc put in a ConfigMap key", async () => {
    assert.deepEqual(await messages(noCredentialsByValue, [changed(settings, "data.netrc", "machine git.example.com\n  login bot\n  password s3cret\n")]), [
      "netrc in ConfigMap data contains a .netrc password; reference a Secret instead.",
    ]);
    assert.deepEqual(await messages(noCredentialsByValue, [changed(settings, "data.netrc", "default password s3cret login bot")]), [
      "netrc in ConfigMap data contains a .netrc password; reference a Secret instead.",
    ]);
  });
  it("reports tokens of known shapes under innocent names", async () => {
    const shapes: Record<string, string> = {
      "a GitHub token": github,
      "a GitLab token": "glpat-abcdefghij0123456789",
      "a Slack token": "xoxb-1234567890-abcdefghij",
      "an npm token": `npm_${"a".repeat(36)}`,
      "a JSON Web Token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtb2Rwcm94eSJ9.c2lnbmF0dXJlLXNpZ24",
      "an Authorization header": "Authorization: Bearer 0123456789abcdef",
      "a URL with an embedded password": "https://ci:hunter2@git.example.com",
      "an AWS access key id": "AKIAABCDEFGHIJKLMNOP",
    };
    for (const [what, value] of Object.entries(shapes)) {
      assert.deepEqual(await messages(noCredentialsByValue, [changed(settings, "data.UPSTREAM_HEADER", value)]), [
        `UPSTREAM_HEADER in ConfigMap data contains ${what}; reference a Secret instead.`,
      ]);
    }
  });
  it("reads binaryData decoded", async () => {
    const pem = Buffer.from("-----BEGIN EC PRIVATE KEY-----\nMHcC\n").toString("base64");
    const files = resource("kubernetes:core/v1:ConfigMap", "files", { metadata: { namespace: "modproxy" }, binaryData: { "client.pem": pem } });
    assert.deepEqual(await messages(noCredentialsByValue, [files]), [
      "client.pem in ConfigMap binaryData contains a PEM private key; reference a Secret instead.",
    ]);
  });
  it("reports credentials in env values and on command lines", async () => {
    assert.deepEqual(await messages(noCredentialsByValue, [changed(hardenedDeployment, containerPath("env"), [{ name: "EXTRA", value: github }])]), [
      'EXTRA in container "proxy" env contains a GitHub token; reference a Secret instead.',
    ]);
    assert.deepEqual(
      await messages(noCredentialsByValue, [
        changed(hardenedDeployment, containerPath("args"), ["serve", `--upstream=https://bot:${github}@goproxy.example.com`]),
      ]),
      ['Container "proxy" args contain a URL with an embedded password; read it from a Secret instead.'],
    );
  });
  it("skips values only known after deployment", async () => {
    assert.deepEqual(
      await messages(noCredentialsByValue, [changed(settings, "data.EXTRA", unknown), changed(hardenedDeployment, containerPath("args"), unknown)]),
      [],
    );
  });
});
