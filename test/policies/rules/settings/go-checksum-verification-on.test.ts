import * as assert from "node:assert/strict";
import { goChecksumVerificationOn } from "../../../../policies/rules/settings/go-checksum-verification-on";
import { configMap, deployment, env, messages } from "../../helpers";

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
