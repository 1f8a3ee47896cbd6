import * as assert from "node:assert/strict";
import { goUpstreamsUseHttps } from "../../../../policies/rules/settings/go-upstreams-use-https";
import { configMap, deployment, env, messages } from "../../helpers";

describe("go-upstreams-use-https", () => {
  it("passes https upstreams, keywords and plain http to in-cluster services", async () => {
    const proxy = deployment(
      "proxy",
      env({
        MODPROXY_UPSTREAM: "https://proxy.example.com|http://athens.tools.svc.cluster.local:3000,http://athens,direct",
        GOSUMDB: "sum.example.com https://sum.example.com",
      }),
    );
    assert.deepEqual(await messages(goUpstreamsUseHttps, [proxy]), []);
  });
  it("passes a plain-http S3 endpoint inside the cluster", async () => {
    assert.deepEqual(await messages(goUpstreamsUseHttps, [configMap("storage", { MODPROXY_S3_ENDPOINT: "http://minio.storage.svc:9000" })]), []);
  });
  it("reports plain-http upstreams and S3 endpoints outside the cluster in env and ConfigMaps", async () => {
    const proxy = deployment("proxy", env({ GOPROXY: "https://proxy.example.com,http://mirror.example.com/go,direct" }));
    const config = configMap("proxy-config", { MODPROXY_UPSTREAM: "http://proxy.example.net", MODPROXY_S3_ENDPOINT: "http://s3.example.net:9000" });
    assert.deepEqual(await messages(goUpstreamsUseHttps, [proxy, config]), [
      'GOPROXY in container "proxy" env points at plain-http http://mirror.example.com/go outside the cluster.',
      "MODPROXY_UPSTREAM in ConfigMap data points at plain-http http://proxy.example.net outside the cluster.",
      "MODPROXY_S3_ENDPOINT in ConfigMap data points at plain-http http://s3.example.net:9000 outside the cluster.",
    ]);
  });
});
