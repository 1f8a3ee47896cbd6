import assert from "node:assert/strict";
import { loadAlertRules, loadDashboard } from "../../components/monitoring";

// The rules file as Prometheus reads it (promtool's rules are checked here by
// hand: building promtool costs more than the test suite), and the dashboard
// as Grafana imports it.

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

describe("the shipped alerting rules", () => {
  const file = loadAlertRules();
  const rules = file.groups.flatMap((g) => g.rules);

  it("are groups of named alerts with an expression, a severity and an explanation", () => {
    assert.ok(file.groups.length > 0);
    assert.deepEqual(Object.keys(file), ["groups"]);
    for (const group of file.groups) {
      assert.match(group.name, /\S/);
      assert.ok(group.rules.length > 0, group.name);
    }
    for (const rule of rules) {
      assert.deepEqual(
        Object.keys(rule).filter((k) => !["alert", "expr", "for", "labels", "annotations"].includes(k)),
        [],
        rule.alert,
      );
      assert.match(rule.alert, /^Modproxy[A-Z]\w+$/);
      assert.equal(typeof rule.expr, "string", rule.alert);
      assert.match(rule.expr, /\S/, rule.alert);
      if (rule.for !== undefined) assert.match(rule.for, DURATION, rule.alert);
      assert.ok(["warning", "critical"].includes(rule.labels?.severity), `${rule.alert}: severity ${rule.labels?.severity}`);
      assert.match(rule.annotations?.summary ?? "", /\S/, rule.alert);
      assert.match(rule.annotations?.description ?? "", /\S/, rule.alert);
      // Balanced brackets: what a misplaced edit most often breaks, and Prometheus refuses.
      assert.deepEqual(bracketsLeftOpen(rule.expr), "", rule.alert);
    }
    assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length, "alert names are unique");
  });

  it("alert on upstreams down, 5xx answers, verification failures, storage, the cache hit ratio and latency", () => {
    const expected: Record<string, [RegExp, string | undefined, string]> = {
      ModproxyUpstreamDown: [/modproxy_upstream_up\b/, "5m", "warning"],
      ModproxyHighErrorRate: [/status=~"5\.\."/, "10m", "critical"],
      ModproxyVerificationFailures: [/modproxy_verification_failures_total/, undefined, "critical"],
      ModproxyStorageNotReady: [/modproxy_storage_ready/, "5m", "critical"],
      ModproxyLowCacheHitRatio: [/result="hit"/, "1h", "warning"],
      ModproxyHighLatency: [/histogram_quantile\(0\.99,.*modproxy_request_duration_seconds_bucket/s, "15m", "warning"],
    };
    assert.deepEqual(rules.map((r) => r.alert).sort(), Object.keys(expected).sort());
    for (const rule of rules) {
      const [expr, pending, severity] = expected[rule.alert];
      assert.match(rule.expr, expr, rule.alert);
      assert.deepEqual([rule.for, rule.labels.severity], [pending, severity], rule.alert);
    }
  });
});

describe("the shipped dashboard", () => {
  interface Panel {
    id: number;
    type: string;
    title: string;
    gridPos: { h: number; w: number; x: number; y: number };
    datasource?: { uid: string };
    targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
  }
  const dashboard = JSON.parse(loadDashboard()) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };

  it("asks for a Prometheus data source and queries it in every panel", () => {
    assert.equal(dashboard.uid, "modproxy");
    assert.deepEqual(
      dashboard.templating.list.map((v) => [v.name, v.type]),
      [["datasource", "datasource"]],
    );
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
      assert.equal(panel.datasource?.uid, "${datasource}", panel.title);
      assert.ok(panel.targets && panel.targets.length > 0, panel.title);
      assert.equal(new Set(panel.targets.map((t) => t.refId)).size, panel.targets.length, panel.title);
      for (const target of panel.targets) assert.deepEqual(bracketsLeftOpen(target.expr), "", panel.title);
    }
  });

  it("has unique panel ids on a grid 24 wide with no two panels overlapping", () => {
    const panels = dashboard.panels;
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
    for (const a of panels) {
      assert.ok(a.gridPos.x >= 0 && a.gridPos.x + a.gridPos.w <= 24, a.title);
      for (const b of panels) {
        if (a === b) continue;
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
      }
    }
  });

  it("has the panels the README lists", () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of [
      "Requests by status",
      "Error rate (5xx)",
      "Cache hit ratio",
      "Upstream health",
      "Verification failures",
      "Storage readiness",
      "Time to answer (quantiles)",
      "Memory tier",
    ]) {
      assert.ok(titles.includes(title), title);
    }
  });
});

/** The brackets an expression leaves open or closes unopened, outside strings: "" when balanced. */
function bracketsLeftOpen(expr: string): string {
  const open: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ("([{".includes(c)) open.push(c);
    else if (c in pairs && open.pop() !== pairs[c]) return `unopened ${c}`;
  }
  return open.join("");
}
