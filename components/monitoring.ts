import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

/** Where the dashboard and the alerting rules live, as files a user can also load by hand. */
export const MONITORING_DIR = path.resolve(__dirname, "..", "monitoring");
export const DASHBOARD_FILE = path.join(MONITORING_DIR, "dashboard.json");
export const ALERTS_FILE = path.join(MONITORING_DIR, "alerts.yaml");

/** What the blueprint can ship: the Grafana dashboard, the PrometheusRule with the alerts, the PodMonitor that scrapes the pods. */
export const MONITORING_PARTS = ["dashboard", "alerts", "scrape"] as const;
export type MonitoringPart = (typeof MONITORING_PARTS)[number];

/**
 * Why the scrape part would get nothing, if it would: no namespace is admitted through the proxy's
 * NetworkPolicy. Pure, so the stack's config check says it too; `prefix` qualifies the key names.
 */
export function scrapeProblem(parts: readonly string[], scraperNamespaces: readonly string[], prefix = ""): string | undefined {
  return parts.includes("scrape") && scraperNamespaces.length === 0
    ? `${prefix}monitoring scrape needs ${prefix}metricsScraperNamespaces: the namespace's NetworkPolicy would block the scraper (name the Prometheus's namespace)`
    : undefined;
}

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
  /** Namespace of what is created (the proxy's: the rules' selectors and the PodMonitor need no other). */
  readonly namespace: pulumi.Input<string>;
  /** Which parts to create; at least one. */
  readonly parts: readonly MonitoringPart[];
  /** Labels added to what is created, for the selectors of the Prometheus and Grafana that should pick them up (e.g. release). @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** The pods to scrape; required with the `scrape` part. */
  readonly pods?: ScrapeTarget;
}

/** The proxy's pods as a PodMonitor finds and reaches them. */
export interface ScrapeTarget {
  /** The pods' labels (ProxyService's `podLabels`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Where the pods serve HTTPS: the Secret key holding the CA that issued their certificate, and the name it was issued for. @default plain HTTP */
  readonly tls?: { readonly caSecret: { readonly name: pulumi.Input<string>; readonly key: string }; readonly serverName: string };
}

/**
 * The dashboard as a ConfigMap Grafana's sidecar imports, the alerting rules as
 * a PrometheusRule and the scrape of the pods as a PodMonitor, both for the
 * Prometheus operator. Each is optional: the last two need the operator's CRDs.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** The dashboard ConfigMap's name, when there is one. */
  readonly dashboardConfigMap?: pulumi.Output<string>;
  /** The PrometheusRule's name, when there is one. */
  readonly prometheusRule?: pulumi.Output<string>;
  /** The PodMonitor's name, when there is one. */
  readonly podMonitor?: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:Monitoring", name, {}, opts);
    const unknown = args.parts.filter((part) => !(MONITORING_PARTS as readonly string[]).includes(part));
    if (args.parts.length === 0 || unknown.length > 0) {
      throw new pulumi.ResourceError(
        `Monitoring ${name}: parts must name at least one of ${MONITORING_PARTS.join(", ")} (got ${JSON.stringify(args.parts)})`,
        this,
      );
    }
    if (args.parts.includes("scrape") && args.pods === undefined) {
      throw new pulumi.ResourceError(`Monitoring ${name}: the scrape part needs the pods to scrape`, this);
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
    if (args.pods && args.parts.includes("scrape")) {
      const tls = args.pods.tls;
      const monitor = new k8s.apiextensions.CustomResource(
        `${name}-scrape`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PodMonitor",
          // In the pods' namespace, which a PodMonitor searches when it names none.
          metadata: { namespace: args.namespace, labels },
          spec: {
            selector: { matchLabels: args.pods.labels },
            podMetricsEndpoints: [
              {
                port: "http",
                path: "/metrics",
                scheme: tls ? "https" : "http",
                ...(tls ? { tlsConfig: { ca: { secret: { name: tls.caSecret.name, key: tls.caSecret.key } }, serverName: tls.serverName } } : {}),
              },
            ],
          },
        },
        parent,
      );
      this.podMonitor = monitor.metadata.name;
    }
    this.registerOutputs({ dashboardConfigMap: this.dashboardConfigMap, prometheusRule: this.prometheusRule, podMonitor: this.podMonitor });
  }
}
