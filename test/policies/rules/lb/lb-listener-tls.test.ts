import * as assert from "node:assert/strict";
import { loadBalancerListenerTls } from "../../../../policies/rules/lb/lb-listener-tls";
import { messages, resource, urnOf, violations } from "../../helpers";

describe("lb-listener-tls", () => {
  const listener = (name: string, inputs: Record<string, unknown>, loadBalancer?: { urn: string }) =>
    resource("aws:lb/listener:Listener", name, inputs, loadBalancer ? { propertyDependencies: { loadBalancerArn: [loadBalancer.urn] } } : {});
  const redirectToHttps = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];
  const forward = [{ type: "forward", targetGroupArn: "arn:tg" }];
  const httpRedirect = listener("web-http", { protocol: "HTTP", port: 80, defaultActions: redirectToHttps });
  const https = listener("web-https", { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: forward });
  const rule = (name: string, on: { urn: string }, actions: object[], type = "aws:lb/listenerRule:ListenerRule") =>
    resource(type, name, { actions, conditions: [{ pathPattern: { values: ["/api/*"] } }] }, { propertyDependencies: { listenerArn: [on.urn] } });

  it("passes HTTPS with an approved policy and an HTTP listener that only redirects", async () => {
    assert.deepEqual(await messages(loadBalancerListenerTls, [https, httpRedirect]), []);
  });
  it("passes listener rules that forward on HTTPS or redirect on HTTP, and gateway listeners", async () => {
    const gateway = resource("aws:lb/loadBalancer:LoadBalancer", "gwlb", { loadBalancerType: "gateway" });
    assert.deepEqual(
      await messages(loadBalancerListenerTls, [
        https,
        httpRedirect,
        rule("api", https, forward),
        rule("legacy", httpRedirect, redirectToHttps),
        gateway,
        listener("geneve", { defaultActions: forward }, gateway),
      ]),
      [],
    );
  });
  it("reports HTTPS with a policy that allows TLS 1.0", async () => {
    const weak = listener("weak", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" });
    assert.deepEqual(await messages(loadBalancerListenerTls, [weak]), [
      "HTTPS listener uses security policy ELBSecurityPolicy-2016-08, which is not on the approved list (TLS 1.2+, forward secrecy only).",
    ]);
  });
  it("refuses TLS 1.2 policies that still offer RSA key exchange or SHA-1 suites", async () => {
    for (const sslPolicy of ["ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06"]) {
      assert.deepEqual(await messages(loadBalancerListenerTls, [{ ...https, inputs: { ...https.inputs, sslPolicy } }]), [
        `HTTPS listener uses security policy ${sslPolicy}, which is not on the approved list (TLS 1.2+, forward secrecy only).`,
      ]);
    }
  });
  it("takes the approved policies from config", async () => {
    const tls13 = listener("tls13", { protocol: "TLS", sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06" });
    assert.deepEqual(
      await messages(loadBalancerListenerTls, [https, tls13], { "lb-listener-tls": { approvedSslPolicies: ["ELBSecurityPolicy-TLS13-1-3-2021-06"] } }),
      ["HTTPS listener uses security policy ELBSecurityPolicy-TLS13-1-2-2021-06, which is not on the approved list (TLS 1.2+, forward secrecy only)."],
    );
  });
  it("reports an HTTP listener that forwards, and a TCP one", async () => {
    const http = listener("http", { protocol: "HTTP", defaultActions: forward });
    const tcp = listener("nlb", { protocol: "TCP", defaultActions: forward });
    assert.deepEqual(await messages(loadBalancerListenerTls, [http, tcp]), [
      "HTTP listener serves traffic instead of only redirecting to HTTPS.",
      "TCP listener carries no TLS: use HTTPS or TLS.",
    ]);
  });
  it("reports a listener rule that serves traffic on an HTTP listener, alias types included", async () => {
    const found = await violations(loadBalancerListenerTls, [httpRedirect, rule("bypass", httpRedirect, forward, "aws:alb/listenerRule:ListenerRule")]);
    assert.deepEqual(
      found.map((v) => [v.urn, v.message]),
      [
        [
          urnOf("aws:alb/listenerRule:ListenerRule", "bypass"),
          'Listener rule on HTTP listener "web-http" serves traffic instead of only redirecting to HTTPS.',
        ],
      ],
    );
  });
  it("names the protocol a listener without one gets from its load balancer's type", async () => {
    const alb = resource("aws:lb/loadBalancer:LoadBalancer", "alb", { internal: true });
    const nlb = resource("aws:lb/loadBalancer:LoadBalancer", "nlb", { internal: true, loadBalancerType: "network" });
    assert.deepEqual(
      await messages(loadBalancerListenerTls, [
        alb,
        nlb,
        listener("alb-default", { defaultActions: forward }, alb),
        listener("nlb-default", { defaultActions: forward }, nlb),
        listener("orphan", { defaultActions: forward }),
        listener("orphan-redirect", { defaultActions: redirectToHttps }),
      ]),
      [
        "HTTP listener (no protocol set: the application load balancer default) serves traffic instead of only redirecting to HTTPS.",
        "TCP listener (no protocol set: the network load balancer default) carries no TLS: use HTTPS or TLS.",
        "Listener without a protocol (HTTP on an application load balancer, TCP on a network one) carries no TLS: use HTTPS or TLS.",
      ],
    );
  });
});
