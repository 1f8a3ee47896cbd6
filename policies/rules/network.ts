import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isInternetWide } from "../../components/cidr";
import { coversTcpPort, describePorts, ingressRulesOf, opensToAnywhere, securityGroupTypes } from "../lib/ingress";
import { metadataOf, podSpecOf, containersOf, workloadTypes } from "../lib/kubernetes";
import { isInternetFacing, listenerProtocol, loadBalancerOf, tlsListenerProtocols } from "../lib/load-balancers";
import { refersTo } from "../lib/references";
import { isOneOf, types, validateResourceOfTypes } from "../lib/resource-types";
import { checkEach, unlessUnknown } from "../lib/unknowns";
import { arrayAt, isRecord, isTrue, recordAt, stringAt, stringsAt } from "../lib/values";

// Stack rules check each resource they judge on its own (checkEach), so a value unknown during
// preview in one hides no finding on the others.

const publicAccessBlockSettings = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3BucketPublicAccessBlock: StackValidationPolicy = {
  name: "s3-bucket-public-access-block",
  description: "Every S3 bucket has a public access block with all four settings on, so no ACL or policy can make the module cache public.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const blocks = args.resources.filter(isOneOf(types.bucketPublicAccessBlock));
    checkEach(args.resources.filter(isOneOf(types.bucket)), (bucket) => {
      const block = blocks.find((b) => refersTo(b, "bucket", bucket, ["bucket"]));
      if (!block) {
        reportViolation(`Bucket "${bucket.name}" has no BucketPublicAccessBlock.`, bucket.urn);
        return;
      }
      const off = publicAccessBlockSettings.filter((s) => block.props[s] !== true);
      if (off.length > 0) {
        reportViolation(`Bucket "${bucket.name}" public access block "${block.name}" does not set ${off.join(", ")} to true.`, bucket.urn);
      }
    });
  },
};

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** IAM wildcard matching: "*" stands for any run of characters, "?" for one. */
function iamMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(value);
}

/**
 * True when the Resource list covers a bucket and every object in it. With the bucket's name known
 * the pair must match that name; otherwise some bucket ARN must be listed with its "/*".
 */
function coversBucketAndObjects(resources: unknown[], bucketName: string | undefined): boolean {
  // Bucket names are unique across a partition, so the partition itself need not match.
  const patterns = resources.filter((r): r is string => typeof r === "string").map((r) => r.replace(/^arn:[^:]*:s3:::/, ""));
  const covers = (target: string) => patterns.some((p) => iamMatches(p, target));
  const buckets = bucketName !== undefined ? [bucketName] : patterns.filter((p) => !p.includes("/"));
  return buckets.some((bucket) => covers(bucket) && covers(`${bucket}/*`));
}

/** True for a Deny of every S3 action, to every principal, on the bucket and its objects, when aws:SecureTransport is false. */
function deniesInsecureTransport(statement: unknown, bucketName: string | undefined): boolean {
  if (!isRecord(statement) || statement.Effect !== "Deny") {
    return false;
  }
  const principal = statement.Principal;
  const everyone = principal === "*" || (isRecord(principal) && listOf(principal.AWS).includes("*"));
  const everyAction = listOf(statement.Action).some((a) => typeof a === "string" && ["s3:*", "*"].includes(a.toLowerCase()));
  const condition = recordAt(statement.Condition);
  const onPlainHttp = ["Bool", "BoolIfExists"].some((operator) =>
    Object.entries(recordAt(condition[operator])).some(
      ([key, value]) => key.toLowerCase() === "aws:securetransport" && listOf(value).some((v) => String(v).toLowerCase() === "false"),
    ),
  );
  return everyone && everyAction && onPlainHttp && coversBucketAndObjects(listOf(statement.Resource), bucketName);
}

function policyDocument(value: unknown): Record<string, unknown> {
  if (typeof value !== "string") {
    return recordAt(value);
  }
  try {
    return recordAt(JSON.parse(value));
  } catch {
    return {};
  }
}

/** A bucket's name: its own when set or known, else the one its policy is attached by; undefined while unknown. */
function bucketNameOf(bucket: PolicyResource, policy: PolicyResource | undefined): string | undefined {
  const known = (read: () => unknown) => unlessUnknown(() => stringAt(read()), undefined);
  return known(() => bucket.props.bucket) ?? known(() => bucket.props.arn)?.replace(/^arn:[^:]*:s3:::/, "") ?? known(() => policy?.props.bucket);
}

export const s3BucketPolicyRequiresTls: StackValidationPolicy = {
  name: "s3-bucket-policy-requires-tls",
  description:
    "Every S3 bucket has a bucket policy that denies every S3 action (s3:*) to every principal on the bucket and its objects when a request is not made over TLS (aws:SecureTransport false).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const policies = args.resources.filter(isOneOf(types.bucketPolicy));
    checkEach(args.resources.filter(isOneOf(types.bucket)), (bucket) => {
      const attached = policies.filter((p) => refersTo(p, "bucket", bucket, ["bucket"]));
      if (attached.length === 0) {
        reportViolation(`Bucket "${bucket.name}" has no BucketPolicy denying non-TLS access.`, bucket.urn);
        return;
      }
      const enforced = attached.some((p) => {
        const statements = listOf(policyDocument(p.props.policy).Statement);
        return statements.some((statement) => deniesInsecureTransport(statement, bucketNameOf(bucket, p)));
      });
      if (!enforced) {
        reportViolation(
          `Bucket "${bucket.name}" bucket policy has no statement denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false.`,
          bucket.urn,
        );
      }
    });
  },
};

export const securityGroupNoPublicIngress: StackValidationPolicy = {
  name: "security-group-no-public-ingress",
  description:
    "Security groups admit nothing from internet-wide ranges (0.0.0.0/0, ::/0, or wider than 10.0.0.0/8 or fc00::/7), except on the HTTPS/TLS listener ports of an internet-facing load balancer the group is attached to; load-balancer-internal alone decides whether such a load balancer is allowed.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const groups = args.resources.filter(isOneOf(types.securityGroup));
    const loadBalancers = args.resources.filter(isOneOf(types.loadBalancer));
    const listeners = args.resources.filter(isOneOf(types.listener));
    /** The ports the internet may reach on a group: the TLS listener ports of the internet-facing load balancers it guards. */
    const publicTlsPorts = (group: PolicyResource): unknown[] => {
      const guarded = loadBalancers.filter((lb) => isInternetFacing(lb.props) && refersTo(lb, "securityGroups", group));
      return listeners
        .filter((l) => loadBalancerOf(l, guarded) && tlsListenerProtocols.includes(listenerProtocol(l, loadBalancers)?.protocol ?? ""))
        .map((l) => l.props.port);
    };
    checkEach(args.resources.filter(isOneOf(securityGroupTypes)), (resource) => {
      // Standalone rules belong to the group their securityGroupId names.
      const group = isOneOf(types.securityGroup)(resource) ? resource : groups.find((g) => refersTo(resource, "securityGroupId", g));
      const allowedPorts = group ? publicTlsPorts(group) : [];
      for (const rule of ingressRulesOf(resource.type, resource.props)) {
        const open = opensToAnywhere(rule);
        const toLoadBalancer = rule.protocol === "tcp" && rule.fromPort === rule.toPort && allowedPorts.includes(rule.fromPort);
        if (open.length > 0 && !toLoadBalancer) {
          reportViolation(
            `Ingress ${describePorts(rule)} is open to ${open.join(", ")}; only an internet-facing load balancer's HTTPS/TLS listener port may be.`,
            resource.urn,
          );
        }
      }
    });
  },
};

export const securityGroupNoRemoteAdminFromAnywhere: ResourceValidationPolicy = {
  name: "security-group-no-ssh-rdp-from-anywhere",
  description:
    "Security groups never admit SSH or RDP from internet-wide ranges (0.0.0.0/0, ::/0, or wider than 10.0.0.0/8 or fc00::/7), whatever else is allowed.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      adminPorts: { type: "array", items: { type: "integer" }, default: [22, 3389], description: "Remote administration ports." },
    },
  },
  validateResource: validateResourceOfTypes(securityGroupTypes, (props, args, reportViolation) => {
    const { adminPorts } = args.getConfig<{ adminPorts: number[] }>();
    for (const rule of ingressRulesOf(args.type, props)) {
      const open = opensToAnywhere(rule);
      const ports = adminPorts.filter((p) => coversTcpPort(rule, p));
      if (open.length > 0 && ports.length > 0) {
        reportViolation(`Ingress ${describePorts(rule)} exposes remote administration port(s) ${ports.join(", ")} to ${open.join(", ")}.`);
      }
    }
  }),
};

export const eksEndpointNotPublic: ResourceValidationPolicy = {
  name: "eks-endpoint-not-public",
  description:
    "The EKS API endpoint is private, or public only to listed CIDRs, none of them internet-wide (0.0.0.0/0, ::/0, or wider than 10.0.0.0/8 or fc00::/7).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.eksCluster, (props, _args, reportViolation) => {
    const vpcConfig = recordAt(props.vpcConfig);
    // AWS enables the public endpoint, open to 0.0.0.0/0, unless told otherwise.
    if (vpcConfig.endpointPublicAccess === false) {
      return;
    }
    const cidrs = stringsAt(vpcConfig.publicAccessCidrs);
    if (cidrs.length === 0) {
      reportViolation("The API endpoint is public to 0.0.0.0/0: set vpcConfig.endpointPublicAccess to false or list publicAccessCidrs.");
      return;
    }
    const open = cidrs.filter(isInternetWide);
    if (open.length > 0) {
      reportViolation(`The public API endpoint allows ${open.join(", ")}.`);
    }
  }),
};

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: 'EKS clusters encrypt Kubernetes secrets with a KMS key (encryptionConfig covering "secrets").',
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.eksCluster, (props, _args, reportViolation) => {
    const encryption = recordAt(props.encryptionConfig);
    if (!stringsAt(encryption.resources).includes("secrets") || !stringAt(recordAt(encryption.provider).keyArn)) {
      reportViolation('encryptionConfig must list "secrets" and name a KMS key in provider.keyArn.');
    }
  }),
};

export const computeNoPublicIp: ResourceValidationPolicy = {
  name: "compute-no-public-ip",
  description: "EC2 instances and launch templates for nodes do not associate public IP addresses.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes([...types.instance, ...types.launchTemplate], (props, args, reportViolation) => {
    if (types.instance.includes(args.type) && isTrue(props.associatePublicIpAddress)) {
      reportViolation("associatePublicIpAddress is true.");
    }
    arrayAt(props.networkInterfaces)
      .filter(isRecord)
      .forEach((nic, i) => {
        if (isTrue(nic.associatePublicIpAddress)) {
          reportViolation(`networkInterfaces[${i}].associatePublicIpAddress is true.`);
        }
      });
  }),
};

export const nodeSubnetsNoPublicIp: StackValidationPolicy = {
  name: "node-subnets-no-public-ip",
  description: "Subnets that EKS node groups or EC2 instances run in do not map public IPs on launch.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const users = args.resources.filter(isOneOf([...types.eksNodeGroup, ...types.instance]));
    checkEach(args.resources.filter(isOneOf(types.subnet)), (subnet) => {
      if (!isTrue(subnet.props.mapPublicIpOnLaunch)) {
        return;
      }
      const user = users.find((u) => refersTo(u, "subnetIds", subnet) || refersTo(u, "subnetId", subnet));
      if (user) {
        reportViolation(`Subnet "${subnet.name}" maps public IPs on launch and hosts nodes of "${user.name}".`, subnet.urn);
      }
    });
  },
};

export const loadBalancerInternal: ResourceValidationPolicy = {
  name: "load-balancer-internal",
  description:
    "Load balancers are internal unless a public load balancer is allowed by config; the one switch for public traffic, as security-group-no-public-ingress then admits the internet to that load balancer's HTTPS/TLS ports.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowPublicLoadBalancer: {
        type: "boolean",
        default: false,
        description: "Set true when the proxy is deliberately served through an internet-facing load balancer.",
      },
    },
  },
  validateResource: validateResourceOfTypes(types.loadBalancer, (props, args, reportViolation) => {
    const { allowPublicLoadBalancer } = args.getConfig<{ allowPublicLoadBalancer: boolean }>();
    if (isInternetFacing(props) && !allowPublicLoadBalancer) {
      reportViolation("The load balancer is internet-facing: set internal to true, or allowPublicLoadBalancer in the pack config.");
    }
  }),
};

/** The traffic directions a NetworkPolicy denies to every pod in its namespace: all pods selected, the type listed, no rules for it. */
function deniedDirections(policy: PolicyResource): string[] {
  const spec = recordAt(policy.props.spec);
  const selector = recordAt(spec.podSelector);
  const selectsAllPods = Object.keys(recordAt(selector.matchLabels)).length === 0 && arrayAt(selector.matchExpressions).length === 0;
  if (!selectsAllPods) {
    return [];
  }
  return stringsAt(spec.policyTypes).filter((type) => arrayAt(spec[type.toLowerCase()]).length === 0);
}

export const kubernetesNamespaceDefaultDeny: StackValidationPolicy = {
  name: "k8s-namespace-default-deny",
  description: "Every namespace that runs a workload has a default-deny NetworkPolicy (empty podSelector, no rules) for ingress and egress.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      directions: {
        type: "array",
        items: { type: "string", enum: ["Ingress", "Egress"] },
        default: ["Ingress", "Egress"],
        description: "Policy types that must be denied by default.",
      },
      exemptNamespaces: {
        type: "array",
        items: { type: "string" },
        default: ["kube-system"],
        description: "Namespaces managed by the platform, not by this stack.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const { directions, exemptNamespaces } = args.getConfig<{ directions: string[]; exemptNamespaces: string[] }>();
    const denied = new Map<string, Set<string>>();
    for (const policy of args.resources.filter(isOneOf(types.networkPolicy))) {
      const { namespace } = metadataOf(policy.props);
      denied.set(namespace, new Set([...(denied.get(namespace) ?? []), ...deniedDirections(policy)]));
    }
    checkEach(args.resources.filter(isOneOf(workloadTypes)), (workload) => {
      const { namespace } = metadataOf(workload.props);
      const missing = directions.filter((d) => !denied.get(namespace)?.has(d));
      if (missing.length > 0 && !exemptNamespaces.includes(namespace)) {
        reportViolation(
          `Workload "${workload.name}" runs in namespace "${namespace}", which has no default-deny NetworkPolicy for ${missing.join(", ")}.`,
          workload.urn,
        );
      }
    });
  },
};

export const kubernetesNoHostNetwork: ResourceValidationPolicy = {
  name: "k8s-no-host-network",
  description: "Pods do not use the node's network (hostNetwork) or bind node ports (hostPort), which bypass NetworkPolicy.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    const podSpec = podSpecOf(args.type, props) ?? {};
    if (podSpec.hostNetwork === true) {
      reportViolation("hostNetwork is true.");
    }
    for (const container of containersOf(podSpec)) {
      for (const port of arrayAt(container.spec.ports).filter(isRecord)) {
        if (port.hostPort !== undefined) {
          reportViolation(`Container "${container.name}" binds hostPort ${String(port.hostPort)}.`);
        }
      }
    }
  }),
};

const internalAnnotations: Record<string, string> = {
  "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
};
const tlsCertificateAnnotation = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";

export const kubernetesLoadBalancerServiceInternalOrTls: ResourceValidationPolicy = {
  name: "k8s-loadbalancer-service-internal-or-tls",
  description: "A Kubernetes Service of type LoadBalancer is annotated internal, or terminates TLS with an ACM certificate annotation.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(types.service, (props, _args, reportViolation) => {
    if (recordAt(props.spec).type !== "LoadBalancer") {
      return;
    }
    const { annotations } = metadataOf(props);
    const internal = Object.entries(internalAnnotations).some(([key, value]) => String(annotations[key]).toLowerCase() === value);
    if (!internal && !stringAt(annotations[tlsCertificateAnnotation])) {
      reportViolation(`The LoadBalancer Service is neither internal (${Object.keys(internalAnnotations).join(" or ")}) nor TLS (${tlsCertificateAnnotation}).`);
    }
  }),
};

export const networkPolicies = [
  s3BucketPublicAccessBlock,
  s3BucketPolicyRequiresTls,
  securityGroupNoPublicIngress,
  securityGroupNoRemoteAdminFromAnywhere,
  eksEndpointNotPublic,
  eksSecretsEncryption,
  computeNoPublicIp,
  nodeSubnetsNoPublicIp,
  loadBalancerInternal,
  kubernetesNamespaceDefaultDeny,
  kubernetesNoHostNetwork,
  kubernetesLoadBalancerServiceInternalOrTls,
];
