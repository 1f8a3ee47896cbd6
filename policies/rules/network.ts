import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { coversTcpPort, describePorts, ingressRulesOf, opensToAnywhere, securityGroupTypes, anywhere } from "../lib/ingress";
import { metadataOf, podSpecOf, containersOf, workloadTypes } from "../lib/kubernetes";
import { refersTo } from "../lib/references";
import { types, validateResourceOfTypes } from "../lib/resource-types";
import { arrayAt, isRecord, isTrue, recordAt, stringAt, stringsAt } from "../lib/values";
import { allowPublicLoadBalancerSchema } from "./config";

const isOneOf = (tokens: readonly string[]) => (r: PolicyResource) => tokens.includes(r.type);

const publicAccessBlockSettings = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

export const s3BucketPublicAccessBlock: StackValidationPolicy = {
  name: "s3-bucket-public-access-block",
  description: "Every S3 bucket has a public access block with all four settings on, so no ACL or policy can make the module cache public.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const blocks = args.resources.filter(isOneOf(types.bucketPublicAccessBlock));
    for (const bucket of args.resources.filter(isOneOf(types.bucket))) {
      const block = blocks.find((b) => refersTo(b, "bucket", bucket, ["bucket"]));
      if (!block) {
        reportViolation(`Bucket "${bucket.name}" has no BucketPublicAccessBlock.`, bucket.urn);
        continue;
      }
      const off = publicAccessBlockSettings.filter((s) => block.props[s] !== true);
      if (off.length > 0) {
        reportViolation(`Bucket "${bucket.name}" public access block "${block.name}" does not set ${off.join(", ")} to true.`, bucket.urn);
      }
    }
  },
};

function deniesInsecureTransport(statement: unknown): boolean {
  if (!isRecord(statement) || statement.Effect !== "Deny") {
    return false;
  }
  const bool = recordAt(recordAt(statement.Condition).Bool);
  return String(bool["aws:SecureTransport"]).toLowerCase() === "false";
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

export const s3BucketPolicyRequiresTls: StackValidationPolicy = {
  name: "s3-bucket-policy-requires-tls",
  description: "Every S3 bucket has a bucket policy that denies requests not made over TLS (aws:SecureTransport false).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const policies = args.resources.filter(isOneOf(types.bucketPolicy));
    for (const bucket of args.resources.filter(isOneOf(types.bucket))) {
      const attached = policies.filter((p) => refersTo(p, "bucket", bucket, ["bucket"]));
      const statements = attached.flatMap((p) => {
        const document = policyDocument(p.props.policy);
        return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
      });
      if (!statements.some(deniesInsecureTransport)) {
        reportViolation(
          attached.length === 0
            ? `Bucket "${bucket.name}" has no BucketPolicy denying non-TLS access.`
            : `Bucket "${bucket.name}" bucket policy has no Deny statement on aws:SecureTransport = false.`,
          bucket.urn,
        );
      }
    }
  },
};

export const securityGroupNoPublicIngress: ResourceValidationPolicy = {
  name: "security-group-no-public-ingress",
  description:
    "Security groups admit no traffic from 0.0.0.0/0 or ::/0, except the load balancer's HTTPS port when a public load balancer is allowed by config.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      ...allowPublicLoadBalancerSchema,
      httpsPort: { type: "integer", default: 443, description: "The public load balancer's HTTPS port." },
    },
  },
  validateResource: validateResourceOfTypes(securityGroupTypes, (props, args, reportViolation) => {
    const { allowPublicLoadBalancer, httpsPort } = args.getConfig<{ allowPublicLoadBalancer: boolean; httpsPort: number }>();
    for (const rule of ingressRulesOf(args.type, props)) {
      const open = opensToAnywhere(rule);
      const isPublicHttps = allowPublicLoadBalancer && rule.protocol === "tcp" && rule.fromPort === httpsPort && rule.toPort === httpsPort;
      if (open.length > 0 && !isPublicHttps) {
        reportViolation(`Ingress ${describePorts(rule)} is open to ${open.join(", ")}.`);
      }
    }
  }),
};

export const securityGroupNoRemoteAdminFromAnywhere: ResourceValidationPolicy = {
  name: "security-group-no-ssh-rdp-from-anywhere",
  description: "Security groups never admit SSH or RDP from 0.0.0.0/0 or ::/0, whatever else is allowed.",
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
  description: "The EKS API endpoint is private, or public only to listed CIDRs that never include 0.0.0.0/0 or ::/0.",
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
    const open = cidrs.filter((c) => anywhere.includes(c));
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
    for (const subnet of args.resources.filter(isOneOf(types.subnet))) {
      if (!isTrue(subnet.props.mapPublicIpOnLaunch)) {
        continue;
      }
      const user = users.find((u) => refersTo(u, "subnetIds", subnet) || refersTo(u, "subnetId", subnet));
      if (user) {
        reportViolation(`Subnet "${subnet.name}" maps public IPs on launch and hosts nodes of "${user.name}".`, subnet.urn);
      }
    }
  },
};

export const loadBalancerInternal: ResourceValidationPolicy = {
  name: "load-balancer-internal",
  description: "Load balancers are internal unless a public load balancer is allowed by config.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { ...allowPublicLoadBalancerSchema } },
  validateResource: validateResourceOfTypes(types.loadBalancer, (props, args, reportViolation) => {
    const { allowPublicLoadBalancer } = args.getConfig<{ allowPublicLoadBalancer: boolean }>();
    if (props.internal !== true && !allowPublicLoadBalancer) {
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
    for (const workload of args.resources.filter(isOneOf(workloadTypes))) {
      const { namespace } = metadataOf(workload.props);
      const missing = directions.filter((d) => !denied.get(namespace)?.has(d));
      if (missing.length > 0 && !exemptNamespaces.includes(namespace)) {
        reportViolation(
          `Workload "${workload.name}" runs in namespace "${namespace}", which has no default-deny NetworkPolicy for ${missing.join(", ")}.`,
          workload.urn,
        );
      }
    }
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
