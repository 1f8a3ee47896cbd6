import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { containsCidr } from "../common/cidr";
import { CONTAINER_PORT, ProxySettings, proxyEnvironment, SPOOL_DIR, TLS_DIR, TOKENS_DIR, VCS_DIR } from "./proxyEnvironment";

export interface ProxyServiceArgs {
  /** Namespace the component creates (restricted pod security) and puts everything in. */
  readonly namespace: string;
  /** Must match the name the storage role trusts. */
  readonly serviceAccountName: string;
  /** The proxy's container image. */
  readonly image: string;
  /** The autoscaler's floor; the Deployment leaves the replica count to the autoscaler. */
  readonly replicas: number;
  /** The autoscaler's ceiling. */
  readonly maxReplicas: number;
  /**
   * How the pods get AWS credentials: the EKS Pod Identity association of their service account
   * (created before the pods, which only get credentials if it exists when they start), or the IRSA
   * role annotated on the service account.
   */
  readonly podCredentials:
    { readonly kind: "podIdentity"; readonly association: pulumi.Resource } | { readonly kind: "irsa"; readonly roleArn: pulumi.Input<string> };
  /** What the proxy runs with, handed to it as environment through a ConfigMap. */
  readonly settings: ProxySettings<pulumi.Input<string>>;
  /**
   * Certificate and key the proxy serves HTTPS with; stored in a Secret, with the PEM of the CA that issued the
   * certificate as `ca.crt` when given, for a scraper to verify the pods with. @default none: plain HTTP
   */
  readonly servingCertificate?: {
    readonly certificatePem: pulumi.Input<string>;
    readonly privateKeyPem: pulumi.Input<string>;
    readonly caCertificatePem?: pulumi.Input<string>;
  };
  /** .netrc for private VCS hosts; stored in a Secret. @default none */
  readonly vcsCredentials?: pulumi.Input<string>;
  /** The NodePort the load balancer targets. */
  readonly nodePort: number;
  /** Where load balancer traffic (and its health checks) comes from: the load balancer's subnets. */
  readonly loadBalancerCidrs: readonly string[];
  /** Namespaces whose pods may reach the proxy's port, for an in-cluster Prometheus to scrape `/metrics`. @default none */
  readonly metricsScraperNamespaces?: readonly string[];
  /** The VPC range, where the interface endpoints (STS for IRSA) live. */
  readonly vpcCidr: string;
  /** S3's public ranges in the region (the gateway endpoint's prefix list). */
  readonly s3Cidrs: pulumi.Input<string[]>;
  /** Ranges the proxy may reach on 443 for upstreams and VCS hosts. @default ["0.0.0.0/0"] */
  readonly egressCidrs?: readonly string[];
  /** @default 250m CPU and 512Mi memory requested, 1Gi memory at most; ephemeral storage for the emptyDirs (1Gi requested, 4Gi at most) */
  readonly resources?: k8s.types.input.core.v1.ResourceRequirements;
}

// The instance metadata service; pods use Pod Identity or IRSA, never the node's role.
const METADATA_RANGE = "169.254.0.0/16";
// The EKS Pod Identity agent on every node: credentials on 80, and 2703 as the agent's documentation asks to admit.
const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", ports: [80, 2703] };
/** The key of the serving CA's certificate in the TLS Secret, as cert-manager and the Prometheus operator name it. */
export const SERVING_CA_KEY = "ca.crt";

/** One NetworkPolicy egress rule on TCP 443 to the given ranges. */
function httpsTo(cidrs: readonly string[]): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  return {
    to: cidrs.map((cidr) => ({ ipBlock: containsCidr(cidr, METADATA_RANGE) ? { cidr, except: [METADATA_RANGE] } : { cidr } })),
    ports: [{ protocol: "TCP", port: 443 }],
  };
}

/**
 * The proxy on Kubernetes: namespace, service account (Pod Identity or IRSA), settings, token and VCS Secrets,
 * a hardened zone-spread Deployment, NodePort Service, PodDisruptionBudget, autoscaler, and
 * NetworkPolicies that deny everything but the load balancer (and the metrics scraper's namespaces)
 * in and DNS/AWS/upstreams (and the Pod Identity agent) out.
 */
export class ProxyService extends pulumi.ComponentResource {
  /** The generated client token (a Pulumi secret). */
  readonly clientToken: pulumi.Output<string>;
  /** The namespace's name, once it exists: what else goes in it depends on it through this. */
  readonly namespace: pulumi.Output<string>;
  /** The labels of the proxy's pods, for selectors elsewhere (a PodMonitor). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The Secret holding the serving CA's certificate under `key`, when the pods serve HTTPS and the CA was given. */
  readonly servingCa?: { readonly secretName: pulumi.Output<string>; readonly key: string };

  constructor(name: string, args: ProxyServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:ProxyService", name, {}, opts);
    const parent = { parent: this };
    if (args.replicas < 1 || args.maxReplicas < args.replicas) {
      throw new Error(`ProxyService ${name}: need 1 <= replicas <= maxReplicas (got ${args.replicas}, ${args.maxReplicas})`);
    }
    const labels = { "app.kubernetes.io/name": "modproxy", "app.kubernetes.io/instance": name };
    this.podLabels = labels;
    const ns = args.namespace;
    const inNamespace = (resourceName: string) => ({ name: resourceName, namespace: ns, labels });
    // Left to Pulumi's autonaming: a changed value then gets a new object name, which rolls the pods.
    const autonamed = { namespace: ns, labels };

    const namespace = new k8s.core.v1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: ns,
          labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" },
        },
      },
      parent,
    );
    const childOpts = { parent: this, dependsOn: [namespace] };
    this.namespace = namespace.metadata.name;

    const credentials = args.podCredentials;
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: {
          ...inNamespace(args.serviceAccountName),
          ...(credentials.kind === "irsa" ? { annotations: { "eks.amazonaws.com/role-arn": credentials.roleArn } } : {}),
        },
        automountServiceAccountToken: false,
      },
      childOpts,
    );

    const token = new random.RandomPassword(`${name}-client-token`, { length: 48, special: false }, parent);
    // random's result is secret only once the engine applies its additionalSecretOutputs; mark it here too.
    this.clientToken = pulumi.secret(token.result);
    const tokensSecret = new k8s.core.v1.Secret(
      `${name}-tokens`,
      {
        metadata: autonamed,
        type: "Opaque",
        stringData: { tokens: pulumi.interpolate`${this.clientToken}\n` },
      },
      childOpts,
    );
    const vcsSecret =
      args.vcsCredentials === undefined
        ? undefined
        : new k8s.core.v1.Secret(
            `${name}-vcs`,
            {
              metadata: autonamed,
              type: "Opaque",
              stringData: { netrc: args.vcsCredentials },
            },
            childOpts,
          );

    const serving = args.servingCertificate;
    const tlsSecret =
      serving === undefined
        ? undefined
        : new k8s.core.v1.Secret(
            `${name}-serving-tls`,
            {
              metadata: autonamed,
              type: "kubernetes.io/tls",
              stringData: {
                "tls.crt": serving.certificatePem,
                "tls.key": serving.privateKeyPem,
                ...(serving.caCertificatePem === undefined ? {} : { [SERVING_CA_KEY]: serving.caCertificatePem }),
              },
            },
            childOpts,
          );
    if (tlsSecret && serving?.caCertificatePem !== undefined) this.servingCa = { secretName: tlsSecret.metadata.name, key: SERVING_CA_KEY };

    const settings = new k8s.core.v1.ConfigMap(
      `${name}-settings`,
      { metadata: autonamed, data: proxyEnvironment(args.settings, { vcsCredentials: vcsSecret !== undefined, servingTls: tlsSecret !== undefined }) },
      childOpts,
    );

    const readOnlySecret = (volumeName: string, secret: k8s.core.v1.Secret) => ({
      name: volumeName,
      secret: { secretName: secret.metadata.name, defaultMode: 0o440 },
    });
    const scheme = tlsSecret ? "HTTPS" : "HTTP";
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: inNamespace("modproxy"),
        spec: {
          // No replicas: the autoscaler owns the count, and a value here would reset its choice on every update.
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            // EKS injects the credential settings when a pod starts: a change of method must restart the pods.
            metadata: { labels, annotations: { "modproxy/pod-credentials": credentials.kind } },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              // Pod Identity and IRSA mount their own projected tokens; the Kubernetes API token is not needed.
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                fsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
              },
              topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
              ],
              containers: [
                {
                  name: "modproxy",
                  image: args.image,
                  ports: [{ name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" }],
                  envFrom: [{ configMapRef: { name: settings.metadata.name } }],
                  livenessProbe: { httpGet: { path: "/healthz", port: "http", scheme }, periodSeconds: 10, failureThreshold: 3 },
                  readinessProbe: { httpGet: { path: "/readyz", port: "http", scheme }, periodSeconds: 5, failureThreshold: 2 },
                  // No CPU limit, so a busy pod is not throttled. Memory: a worker per CPU plus the primary, about 80 MiB
                  // each idle and 460 MiB all told at the bench's peak, plus up to MODPROXY_MEMORY_CACHE per worker.
                  // Ephemeral storage bounds /tmp and the spool (3Gi of emptyDirs) plus logs.
                  resources: args.resources ?? {
                    requests: { cpu: "250m", memory: "512Mi", "ephemeral-storage": "1Gi" },
                    limits: { memory: "1Gi", "ephemeral-storage": "4Gi" },
                  },
                  securityContext: {
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    privileged: false,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                  volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "spool", mountPath: SPOOL_DIR },
                    { name: "client-tokens", mountPath: TOKENS_DIR, readOnly: true },
                    ...(vcsSecret ? [{ name: "vcs-credentials", mountPath: VCS_DIR, readOnly: true }] : []),
                    ...(tlsSecret ? [{ name: "serving-tls", mountPath: TLS_DIR, readOnly: true }] : []),
                  ],
                },
              ],
              volumes: [
                { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                // Room for a few of the largest zips Go allows (500 MiB) at once; typical ones are far smaller.
                { name: "spool", emptyDir: { sizeLimit: "2Gi" } },
                readOnlySecret("client-tokens", tokensSecret),
                ...(vcsSecret ? [readOnlySecret("vcs-credentials", vcsSecret)] : []),
                ...(tlsSecret ? [readOnlySecret("serving-tls", tlsSecret)] : []),
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: [namespace, ...(credentials.kind === "podIdentity" ? [credentials.association] : [])] },
    );

    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: inNamespace("modproxy"),
        spec: {
          type: "NodePort",
          selector: labels,
          // Local keeps the load balancer's source address, which the NetworkPolicy admits, and sends health checks only to nodes with a ready pod.
          externalTrafficPolicy: "Local",
          ports: [{ name: "http", port: 80, targetPort: "http", nodePort: args.nodePort, protocol: "TCP" }],
        },
      },
      childOpts,
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: inNamespace("modproxy"),
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      },
      childOpts,
    );

    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: inNamespace("modproxy"),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
          minReplicas: args.replicas,
          maxReplicas: args.maxReplicas,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        },
      },
      childOpts,
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: inNamespace("default-deny"),
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      childOpts,
    );
    const scraperNamespaces = args.metricsScraperNamespaces ?? [];
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow`,
      {
        metadata: inNamespace("modproxy-allow"),
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            {
              from: args.loadBalancerCidrs.map((cidr) => ({ ipBlock: { cidr } })),
              ports: [{ protocol: "TCP", port: CONTAINER_PORT }],
            },
            ...(scraperNamespaces.length > 0
              ? [
                  {
                    from: scraperNamespaces.map((namespace) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } })),
                    ports: [{ protocol: "TCP", port: CONTAINER_PORT }],
                  },
                ]
              : []),
          ],
          egress: [
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
            httpsTo([args.vpcCidr]),
            pulumi.output(args.s3Cidrs).apply(httpsTo),
            httpsTo(args.egressCidrs ?? ["0.0.0.0/0"]),
            ...(credentials.kind === "podIdentity"
              ? [{ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: POD_IDENTITY_AGENT.ports.map((port) => ({ protocol: "TCP", port })) }]
              : []),
          ],
        },
      },
      childOpts,
    );

    this.registerOutputs({ clientToken: this.clientToken, namespace: this.namespace, podLabels: this.podLabels });
  }
}
