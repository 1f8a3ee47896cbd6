import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { loadAlertRules, loadDashboard, Monitoring, MonitoringArgs } from "../../components/monitoring";
import { assertParentedToComponent, at, ofType, one, synthesizeComponent } from "../infra/resources";

const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
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

  it("creates only the parts asked for", async () => {
    const dashboardOnly = await synthesizeComponent(() => new Monitoring("m", { namespace: "modproxy", parts: ["dashboard"] }));
    assert.strictEqual(ofType(dashboardOnly, PROMETHEUS_RULE).length, 0);
    assert.strictEqual(ofType(dashboardOnly, "kubernetes:core/v1:ConfigMap").length, 1);
    const alertsOnly = await synthesizeComponent(() => new Monitoring("m", { namespace: "modproxy", parts: ["alerts"] }));
    assert.strictEqual(ofType(alertsOnly, "kubernetes:core/v1:ConfigMap").length, 0);
    assert.strictEqual(ofType(alertsOnly, PROMETHEUS_RULE).length, 1);
  });

  for (const [what, args, message] of [
    ["no part", { namespace: "modproxy", parts: [] }, /parts must name at least one of dashboard, alerts \(got \[\]\)/],
    ["an unknown part", { namespace: "modproxy", parts: ["dashbaord"] }, /parts must name at least one of dashboard, alerts \(got \["dashbaord"\]\)/],
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
