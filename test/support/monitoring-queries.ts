import { loadAlertRules, loadDashboard } from "../../components/monitoring";

/** A PromQL expression the shipped monitoring evaluates, and where it stands. */
export interface ShippedQuery {
  where: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every expression of the alerting rules and of the dashboard's panels (rows' nested panels included). */
export function shippedQueries(): ShippedQuery[] {
  const alerts = loadAlertRules().groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
  const walk = (panels: Panel[]): ShippedQuery[] =>
    panels.flatMap((p) => [...(p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr ?? "" })), ...walk(p.panels ?? [])]);
  return [...alerts, ...walk((JSON.parse(loadDashboard()) as { panels: Panel[] }).panels)];
}
