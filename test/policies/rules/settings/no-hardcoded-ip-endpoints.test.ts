import * as assert from "node:assert/strict";
import { noHardcodedIpEndpoints } from "../../../../policies/rules/settings/no-hardcoded-ip-endpoints";
import { configMap, deployment, env, messages } from "../../helpers";

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
