import { PolicyResource } from "@pulumi/policy";
import { refersTo } from "./references";
import { JsonRecord, stringAt } from "./values";

// What the network and TLS rules both need to know about load balancers and their listeners.

/** Protocols that terminate TLS at the listener. */
export const tlsListenerProtocols: readonly string[] = ["HTTPS", "TLS"];

/** AWS makes a load balancer internet-facing unless it is created internal. */
export function isInternetFacing(loadBalancer: JsonRecord): boolean {
  return loadBalancer.internal !== true;
}

/** The load balancer a listener belongs to, when it is in the stack. */
export function loadBalancerOf(listener: PolicyResource, loadBalancers: readonly PolicyResource[]): PolicyResource | undefined {
  return loadBalancers.find((lb) => refersTo(listener, "loadBalancerArn", lb));
}

/** The protocol each load balancer type gives a listener that sets none; gateway listeners carry GENEVE to appliances, not client traffic. */
const defaultListenerProtocols: Record<string, string | undefined> = { application: "HTTP", network: "TCP", gateway: undefined };

export interface ListenerProtocol {
  /** The protocol the listener speaks; undefined when it sets none and its load balancer is not in the stack. */
  protocol?: string;
  /** How findings name the listener. */
  label: string;
}

/** A listener's protocol, from its own setting or else its load balancer type's default; undefined for gateway listeners. */
export function listenerProtocol(listener: PolicyResource, loadBalancers: readonly PolicyResource[]): ListenerProtocol | undefined {
  const own = stringAt(listener.props.protocol);
  if (own) {
    return { protocol: own, label: `${own} listener` };
  }
  const loadBalancer = loadBalancerOf(listener, loadBalancers);
  if (!loadBalancer) {
    return { label: "Listener without a protocol (HTTP on an application load balancer, TCP on a network one)" };
  }
  const type = stringAt(loadBalancer.props.loadBalancerType) ?? "application";
  const protocol = defaultListenerProtocols[type];
  return protocol ? { protocol, label: `${protocol} listener (no protocol set: the ${type} load balancer default)` } : undefined;
}
