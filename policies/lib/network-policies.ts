import { isInternetWide } from "../../common/cidr";
import { arrayAt, isRecord, JsonRecord, recordAt, stringAt } from "./values";

// NetworkPolicies only add allowances: one rule that reaches everything undoes the namespace's
// default deny for the pods it selects, whatever the other policies say.

const isEmptySelector = (selector: unknown) =>
  isRecord(selector) && Object.keys(recordAt(selector.matchLabels)).length === 0 && arrayAt(selector.matchExpressions).length === 0;

/** The peer's ipBlock range when it spans the internet at large. */
export function internetWideBlock(peer: unknown): string | undefined {
  const cidr = stringAt(recordAt(recordAt(peer).ipBlock).cidr);
  return cidr !== undefined && isInternetWide(cidr) ? cidr : undefined;
}

/** How a peer stands for much more than one workload: the internet, or every pod in the cluster; undefined when it is narrower. */
export function widePeer(peer: unknown): string | undefined {
  const { namespaceSelector, podSelector } = recordAt(peer);
  const internet = internetWideBlock(peer);
  if (internet !== undefined) {
    return internet;
  }
  // An empty namespace selector with no pod selector matches every pod in every namespace.
  return isEmptySelector(namespaceSelector) && podSelector === undefined ? "every pod in every namespace" : undefined;
}

/** The rules of one direction, each with the peers it names under `from` (ingress) or `to` (egress). */
export function networkPolicyRules(props: JsonRecord, direction: "ingress" | "egress"): { label: string; peers: unknown[]; ports: unknown[] }[] {
  const peerKey = direction === "ingress" ? "from" : "to";
  return arrayAt(recordAt(props.spec)[direction])
    .map((rule, i) => ({ rule: recordAt(rule), label: `spec.${direction}[${i}]` }))
    .map(({ rule, label }) => ({ label, peers: arrayAt(rule[peerKey]), ports: arrayAt(rule.ports) }));
}
