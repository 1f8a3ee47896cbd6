import * as assert from "node:assert/strict";
import { loadBalancerHttpsListenerHsts } from "../../../../policies/rules/lb/lb-https-listener-hsts";
import { changed, messages, resource } from "../../helpers";

const baseline = resource("aws:lb/listener:Listener", "https", {
  protocol: "HTTPS",
  port: 443,
  routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains",
});

describe("lb-https-listener-hsts", () => {
  it("passes an HTTPS listener sending HSTS for a year", async () => {
    assert.deepEqual(await messages(loadBalancerHttpsListenerHsts, [baseline]), []);
  });
  it("reports one sending none", async () => {
    assert.deepEqual(await messages(loadBalancerHttpsListenerHsts, [changed(baseline, "routingHttpResponseStrictTransportSecurityHeaderValue", undefined)]), [
      "The HTTPS listener sends no Strict-Transport-Security header.",
    ]);
  });
  it("reports a max-age below the minimum, or none at all", async () => {
    for (const header of ["max-age=300", "includeSubDomains", "max-age=0; includeSubDomains"]) {
      assert.deepEqual(await messages(loadBalancerHttpsListenerHsts, [changed(baseline, "routingHttpResponseStrictTransportSecurityHeaderValue", header)]), [
        `Strict-Transport-Security "${header}" keeps clients on HTTPS for less than 31536000 seconds.`,
      ]);
    }
  });
  it("takes the minimum from config, and max-age anywhere in the header", async () => {
    const shorter = changed(baseline, "routingHttpResponseStrictTransportSecurityHeaderValue", "includeSubDomains; max-age=86400; preload");
    assert.deepEqual(await messages(loadBalancerHttpsListenerHsts, [shorter], { "lb-https-listener-hsts": { minimumMaxAgeSeconds: 86_400 } }), []);
  });
  it("leaves HTTP redirect listeners and TLS listeners alone", async () => {
    for (const protocol of ["HTTP", "TLS"]) {
      assert.deepEqual(
        await messages(loadBalancerHttpsListenerHsts, [
          changed(changed(baseline, "protocol", protocol), "routingHttpResponseStrictTransportSecurityHeaderValue", undefined),
        ]),
        [],
      );
    }
  });
});
