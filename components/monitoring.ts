import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

/** Where the dashboard and the alerting rules live, as files a user can also load by hand. */
export const MONITORING_DIR = path.resolve(__dirname, "..", "monitoring");
export const DASHBOARD_FILE = path.join(MONITORING_DIR, "dashboard.json");
export const ALERTS_FILE = path.join(MONITORING_DIR, "alerts.yaml");

/** What the blueprint can ship: the Grafana dashboard, the PrometheusRule with the alerts. */
export const MONITORING_PARTS = ["dashboard", "alerts"] as const;
export type MonitoringPart = (typeof MONITORING_PARTS)[number];

/** The label Grafana's dashboard sidecar (as kube-prometheus-stack runs it) looks for on ConfigMaps. */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A Prometheus rules file: the same groups a PrometheusRule's spec holds. */
export interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}

export function loadAlertRules(file = ALERTS_FILE): RuleFile {
  return parseYaml(fs.readFileSync(file, "utf8")) as RuleFile;
}

export function loadDashboard(file = DASHBOARD_FILE): string {
  return fs.readFileSync(file, "utf8");
}

export interface MonitoringArgs {
  /** Namespace of the ConfigMap and the PrometheusRule (the proxy's: the rules' selectors need no other). */
  readonly namespace: pulumi.Input<string>;
  /** Which parts to create; at least one. */
  readonly parts: readonly MonitoringPart[];
  /** Labels added to what is created, for the selectors of the Prometheus and Grafana that should pick them up (e.g. release). @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The dashboard as a ConfigMap Grafana's sidecar imports, and the alerting
 * rules as a PrometheusRule for the Prometheus operator. Each is optional: the
 * PrometheusRule needs the operator's CRD in the cluster.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The dashboard ConfigMap's name, when there is one. */
  readonly dashboardConfigMap?: pulumi.Output<string>;
  /** The PrometheusRule's name, when there is one. */
  readonly prometheusRule?: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:Monitoring", name, {}, opts);
    const unknown = args.parts.filter((part) => !(MONITORING_PARTS as readonly string[]).includes(part));
    if (args.parts.length === 0 || unknown.length > 0) {
      throw new pulumi.ResourceError(
        `Monitoring ${name}: parts must name at least one of ${MONITORING_PARTS.join(", ")} (got ${JSON.stringify(args.parts)})`,
        this,
      );
    }
    const own = { "app.kubernetes.io/name": "modproxy", "app.kubernetes.io/instance": name, ...DASHBOARD_LABEL };
    const clash = Object.keys(args.labels ?? {}).filter((key) => key in own);
    if (clash.length > 0) throw new pulumi.ResourceError(`Monitoring ${name}: labels ${clash.join(", ")} are the component's own`, this);
    const labels = { "app.kubernetes.io/name": own["app.kubernetes.io/name"], "app.kubernetes.io/instance": name, ...args.labels };
    const parent = { parent: this };

    if (args.parts.includes("dashboard")) {
      const dashboard = new k8s.core.v1.ConfigMap(
        `${name}-dashboard`,
        {
          metadata: { namespace: args.namespace, labels: { ...labels, ...DASHBOARD_LABEL } },
          data: { "modproxy.json": loadDashboard() },
        },
        parent,
      );
      this.dashboardConfigMap = dashboard.metadata.name;
    }
    if (args.parts.includes("alerts")) {
      const rule = new k8s.apiextensions.CustomResource(
        `${name}-alerts`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { namespace: args.namespace, labels },
          spec: loadAlertRules(),
        },
        parent,
      );
      this.prometheusRule = rule.metadata.name;
    }
    this.registerOutputs({ dashboardConfigMap: this.dashboardConfigMap, prometheusRule: this.prometheusRule });
  }
}
