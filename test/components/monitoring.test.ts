import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { loadAlertRules, loadDashboard, Monitoring, MonitoringArgs } from "../../components/monitoring";
import { assertParentedToComponent, at, ofType, one, synthesizeComponent } from "../infra/resources";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const POD_LABELS = { "app.kubernetes.io/name": "modproxy", "app.kubernetes.io/instance": "p" };
const TLS_PODS = { labels: POD_LABELS, tls: { caSecret: { name: "p-serving-tls-x1", key: "ca.crt" }, serverName: "goproxy.example.com" } };
const ARGS: MonitoringArgs = { namespace: "modproxy", parts: ["dashboard", "alerts"], labels: { release: "kube-prometheus-stack" } };

describe("Monitoring", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(() => new Monitoring("m", ARGS)));
  });

  it("ships the dashboard in a ConfigMap labelled for Grafana's sidecar, with the caller's labels", async () => {
    const configMap = one(await synthesizeComponent(() => new Monitoring("m", ARGS)), "kubernetes:core/v1:ConfigMap");
    assert.strictEqual(at(configMap, "metadata.namespace"), "modproxy");
    assert.deepStrictEqual(at(configMap, "metadata.labels"), {
      "app.kubernetes.io/name": "modproxy",
      "app.kubernetes.io/instance": "m",
      release: "kube-prometheus-stack",
      grafana_dashboard: "1",
    });
    const json = (at(configMap, "data") as Record<string, string>)["modproxy.json"];
    assert.strictEqual(json, loadDashboard());
    assert.strictEqual(JSON.parse(String(json)).uid, "modproxy");
  });

  it("ships the alerting rules file as a PrometheusRule", async () => {
    const rule = one(await synthesizeComponent(() => new Monitoring("m", ARGS)), PROMETHEUS_RULE);
    assert.strictEqual(at(rule, "apiVersion"), "monitoring.coreos.com/v1");
    assert.strictEqual(at(rule, "metadata.labels.release"), "kube-prometheus-stack");
    assert.strictEqual(at(rule, "metadata.labels.grafana_dashboard"), undefined);
    assert.deepStrictEqual(at(rule, "spec"), loadAlertRules());
  });

  it("scrapes the pods' /metrics over HTTPS with a PodMonitor that verifies them with their CA", async () => {
    const result = await synthesizeComponent(() => new Monitoring("m", { ...ARGS, parts: ["scrape"], pods: TLS_PODS }));
    const monitor = one(result, POD_MONITOR);
    assert.strictEqual(at(monitor, "apiVersion"), "monitoring.coreos.com/v1");
    assert.strictEqual(at(monitor, "metadata.namespace"), "modproxy");
    assert.strictEqual(at(monitor, "metadata.labels.release"), "kube-prometheus-stack");
    assert.deepStrictEqual(at(monitor, "spec"), {
      selector: { matchLabels: POD_LABELS },
      podMetricsEndpoints: [
        {
          port: "http",
          path: "/metrics",
          scheme: "https",
          tlsConfig: { ca: { secret: { name: "p-serving-tls-x1", key: "ca.crt" } }, serverName: "goproxy.example.com" },
        },
      ],
    });
  });

  it("scrapes over plain HTTP, with no TLS settings, where the pods serve no HTTPS", async () => {
    const result = await synthesizeComponent(() => new Monitoring("m", { namespace: "modproxy", parts: ["scrape"], pods: { labels: POD_LABELS } }));
    assert.deepStrictEqual(at(one(result, POD_MONITOR), "spec.podMetricsEndpoints"), [{ port: "http", path: "/metrics", scheme: "http" }]);
  });

  it("creates only the parts asked for", async () => {
    const dashboardOnly = await synthesizeComponent(() => new Monitoring("m", { namespace: "modproxy", parts: ["dashboard"] }));
    assert.strictEqual(ofType(dashboardOnly, PROMETHEUS_RULE).length, 0);
    assert.strictEqual(ofType(dashboardOnly, "kubernetes:core/v1:ConfigMap").length, 1);
    const alertsOnly = await synthesizeComponent(() => new Monitoring("m", { namespace: "modproxy", parts: ["alerts"] }));
    assert.strictEqual(ofType(alertsOnly, "kubernetes:core/v1:ConfigMap").length, 0);
    assert.strictEqual(ofType(alertsOnly, PROMETHEUS_RULE).length, 1);
    assert.strictEqual(ofType(alertsOnly, POD_MONITOR).length, 0);
    const withPods = await synthesizeComponent(() => new Monitoring("m", { namespace: "modproxy", parts: ["alerts"], pods: TLS_PODS }));
    assert.strictEqual(ofType(withPods, POD_MONITOR).length, 0);
  });

  for (const [what, args, message] of [
    ["no part", { namespace: "modproxy", parts: [] }, /parts must name at least one of dashboard, alerts, scrape \(got \[\]\)/],
    ["an unknown part", { namespace: "modproxy", parts: ["dashbaord"] }, /parts must name at least one of dashboard, alerts, scrape \(got \["dashbaord"\]\)/],
    ["scrape without the pods", { namespace: "modproxy", parts: ["scrape"] }, /the scrape part needs the pods to scrape/],
    [
      "a label of its own",
      { namespace: "modproxy", parts: ["dashboard"], labels: { grafana_dashboard: "0" } },
      /labels grafana_dashboard are the component's own/,
    ],
  ] as const) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(
        synthesizeComponent(() => new Monitoring("m", args as unknown as MonitoringArgs)),
        (err: Error) => {
          assert.ok(err instanceof pulumi.ResourceError, `${err.name}: ${err.message}`);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
