import * as assert from "node:assert/strict";
import { kubernetesLoadBalancerServiceInternalOrTls } from "../../../../policies/rules/kubernetes/k8s-loadbalancer-service-internal-or-tls";
import { messages, resource } from "../../helpers";

describe("k8s-loadbalancer-service-internal-or-tls", () => {
  const service = (annotations: Record<string, string>, type = "LoadBalancer") =>
    resource("kubernetes:core/v1:Service", "proxy", { metadata: { annotations }, spec: { type, ports: [{ port: 443 }] } });
  it("passes internal, TLS and non-LoadBalancer services", async () => {
    assert.deepEqual(
      await messages(kubernetesLoadBalancerServiceInternalOrTls, [service({ "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" })]),
      [],
    );
    assert.deepEqual(
      await messages(kubernetesLoadBalancerServiceInternalOrTls, [
        service({ "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:aws:acm:eu-west-1:123456789012:certificate/c" }),
      ]),
      [],
    );
    assert.deepEqual(await messages(kubernetesLoadBalancerServiceInternalOrTls, [service({}, "ClusterIP")]), []);
  });
  it("reports a public plain LoadBalancer service", async () => {
    assert.deepEqual(await messages(kubernetesLoadBalancerServiceInternalOrTls, [service({})]), [
      "The LoadBalancer Service is neither internal (service.beta.kubernetes.io/aws-load-balancer-internal or service.beta.kubernetes.io/aws-load-balancer-scheme) nor TLS (service.beta.kubernetes.io/aws-load-balancer-ssl-cert).",
    ]);
  });
});
