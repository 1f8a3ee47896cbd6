import * as assert from "node:assert/strict";
import { acmCertificateDnsValidation, goUpstreamsUseHttps, loadBalancerListenerTls, tlsPrivateKeyStrength } from "../../policies/rules/tls";
import { configMap, deployment, env, messages, resource, urnOf, violations } from "./helpers";

describe("TLS rules", () => {
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
        "HTTPS listener uses security policy ELBSecurityPolicy-2016-08, which is not on the approved TLS 1.2+ list.",
      ]);
    });
    it("takes the approved policies from config", async () => {
      const tls13 = listener("tls13", { protocol: "TLS", sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06" });
      assert.deepEqual(
        await messages(loadBalancerListenerTls, [https, tls13], { "lb-listener-tls": { approvedSslPolicies: ["ELBSecurityPolicy-TLS13-1-3-2021-06"] } }),
        ["HTTPS listener uses security policy ELBSecurityPolicy-TLS13-1-2-2021-06, which is not on the approved TLS 1.2+ list."],
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

  describe("acm-certificate-dns-validation", () => {
    it("passes DNS-validated and private-CA certificates", async () => {
      const dns = resource("aws:acm/certificate:Certificate", "public", { domainName: "goproxy.example.com", validationMethod: "DNS" });
      const privateCa = resource("aws:acm/certificate:Certificate", "private", {
        domainName: "goproxy.example.internal",
        certificateAuthorityArn: "arn:aws:acm-pca:ca",
      });
      assert.deepEqual(await messages(acmCertificateDnsValidation, [dns, privateCa]), []);
    });
    it("reports an imported certificate unless config allows it", async () => {
      const imported = resource("aws:acm/certificate:Certificate", "dev", { certificateBody: "-----BEGIN CERTIFICATE-----", privateKey: "k" });
      assert.deepEqual(await messages(acmCertificateDnsValidation, [imported]), [
        "The certificate is imported, so ACM neither validates nor renews it: request a DNS-validated one, or set allowImportedCertificates.",
      ]);
      assert.deepEqual(await messages(acmCertificateDnsValidation, [imported], { "acm-certificate-dns-validation": { allowImportedCertificates: true } }), []);
    });
    it("reports email validation", async () => {
      const email = resource("aws:acm/certificate:Certificate", "public", { domainName: "goproxy.example.com", validationMethod: "EMAIL" });
      assert.deepEqual(await messages(acmCertificateDnsValidation, [email]), ["validationMethod is EMAIL; use DNS."]);
    });
  });

  describe("tls-private-key-strength", () => {
    const key = (inputs: Record<string, unknown>) => resource("tls:index/privateKey:PrivateKey", "ca", inputs);
    it("passes RSA 2048+ (including the provider default) and ECDSA P-256/P-384", async () => {
      assert.deepEqual(
        await messages(tlsPrivateKeyStrength, [
          key({ algorithm: "RSA" }),
          key({ algorithm: "RSA", rsaBits: 4096 }),
          key({ algorithm: "ECDSA", ecdsaCurve: "P384" }),
        ]),
        [],
      );
    });
    it("reports short RSA, the default P-224 curve and ED25519", async () => {
      assert.deepEqual(
        await messages(tlsPrivateKeyStrength, [key({ algorithm: "RSA", rsaBits: 1024 }), key({ algorithm: "ECDSA" }), key({ algorithm: "ED25519" })]),
        [
          "RSA key of 1024 bits is below the minimum of 2048.",
          "ECDSA curve P224 is not one of P256, P384.",
          "Algorithm ED25519 is not allowed; use RSA or ECDSA.",
        ],
      );
    });
    it("honours a raised RSA minimum from config", async () => {
      assert.deepEqual(
        await messages(tlsPrivateKeyStrength, [key({ algorithm: "RSA", rsaBits: 2048 })], { "tls-private-key-strength": { minimumRsaBits: 3072 } }),
        ["RSA key of 2048 bits is below the minimum of 3072."],
      );
    });
  });

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
});
