import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isInternetWide } from "../common/cidr";
import { serviceRole } from "./iam";
import { eksKubeconfig } from "./kubeconfig";

export interface ClusterArgs {
  /** The EKS cluster's name (also names its log group, which must exist before the cluster writes to it). */
  readonly clusterName: string;
  /** The cluster's region, which the kubeconfig passes to `aws eks get-token`. */
  readonly region: string;
  /** Private subnets for the control plane ENIs and the nodes. */
  readonly privateSubnetIds: readonly pulumi.Input<string>[];
  /** Kubernetes minor version. @default "1.33" */
  readonly kubernetesVersion?: string;
  /** CIDRs allowed to reach the public API endpoint; empty keeps the endpoint private only. Internet-wide ranges are refused. @default [] */
  readonly publicAccessCidrs?: readonly string[];
  /**
   * Ranges inside the VPC or connected to it (VPN, peered VPCs, CI runners) admitted on 443 to the
   * cluster security group, so they reach the private API endpoint. Internet-wide ranges are refused.
   * @default [] (only the nodes and the control plane reach it)
   */
  readonly privateAccessCidrs?: readonly string[];
  /** EC2 instance type of the nodes. @default "m6i.large" */
  readonly nodeInstanceType?: string;
  /** Fewest nodes the node group scales in to. @default 2 */
  readonly nodeMinSize?: number;
  /** Nodes the node group starts with. @default 3 */
  readonly nodeDesiredSize?: number;
  /** Most nodes the node group scales out to. @default 6 */
  readonly nodeMaxSize?: number;
  /** Days to keep control-plane logs. @default 365 */
  readonly logRetentionDays?: number;
  /** Install the EKS Pod Identity agent, through which pods get the IAM roles associated with their service accounts. @default true */
  readonly podIdentityAgent?: boolean;
  /** Write Kubernetes manifests to this directory instead of applying them (GitOps). @default unset */
  readonly renderYamlToDirectory?: string;
  /** Tags for every AWS resource the component creates. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * An EKS cluster with a private API endpoint, KMS envelope encryption of secrets, all
 * control-plane logs, a managed node group in the private subnets (IMDSv2, no public IPs),
 * the EKS Pod Identity agent and an OIDC provider for IRSA, the metrics-server add-on for CPU autoscaling, and a Kubernetes
 * provider pointed at it.
 */
export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcIssuer: pulumi.Output<string>;
  /** The security group EKS puts on the control plane and the managed nodes. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** The node group's Auto Scaling group, for load balancer target attachment. */
  readonly nodeAutoScalingGroupName: pulumi.Output<string>;
  readonly provider: k8s.Provider;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:Cluster", name, {}, opts);
    const parent = { parent: this };
    const publicAccessCidrs = args.publicAccessCidrs ?? [];
    const privateAccessCidrs = args.privateAccessCidrs ?? [];
    for (const [arg, cidrs] of Object.entries({ publicAccessCidrs, privateAccessCidrs })) {
      if (cidrs.some(isInternetWide)) {
        throw new Error(`Cluster ${name}: ${arg} must not contain 0.0.0.0/0 or any range as wide (e.g. 0.0.0.0/1)`);
      }
    }

    const secretsKey = new aws.kms.Key(
      `${name}-secrets-key`,
      {
        description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: args.tags,
      },
      parent,
    );
    const controlPlaneLogs = new aws.cloudwatch.LogGroup(
      `${name}-control-plane-logs`,
      {
        name: `/aws/eks/${args.clusterName}/cluster`,
        retentionInDays: args.logRetentionDays ?? 365,
        tags: args.tags,
      },
      parent,
    );
    const clusterRole = serviceRole(`${name}-cluster-role`, "eks.amazonaws.com", ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"], args.tags, parent);
    // EKS encrypts secrets as the cluster role; the managed policy grants nothing on customer keys.
    const clusterKeyAccess = new aws.iam.RolePolicy(
      `${name}-cluster-secrets-key`,
      {
        role: clusterRole.role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: secretsKey.arn }],
        }),
      },
      parent,
    );

    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: args.kubernetesVersion ?? "1.33",
        roleArn: clusterRole.role.arn,
        vpcConfig: {
          subnetIds: [...args.privateSubnetIds],
          endpointPrivateAccess: true,
          endpointPublicAccess: publicAccessCidrs.length > 0,
          ...(publicAccessCidrs.length > 0 ? { publicAccessCidrs: [...publicAccessCidrs] } : {}),
        },
        encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
        enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
        // Access entries instead of the aws-auth ConfigMap; the deployer gets admin to apply the workloads.
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        tags: args.tags,
      },
      { parent: this, dependsOn: [controlPlaneLogs, clusterKeyAccess, ...clusterRole.attachments] },
    );
    this.clusterName = cluster.name;
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcIssuer = cluster.identities[0].oidcs[0].issuer;
    // EKS admits only the cluster's own members to the private endpoint; deployers elsewhere need a rule.
    const privateAccessRules = privateAccessCidrs.map(
      (cidr, i) =>
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-api-access-${i}`,
          {
            securityGroupId: this.clusterSecurityGroupId,
            cidrIpv4: cidr,
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: "Kubernetes API (private endpoint) from a deployer network",
          },
          parent,
        ),
    );

    const oidcProvider = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      {
        url: this.oidcIssuer,
        clientIdLists: ["sts.amazonaws.com"],
        tags: args.tags,
      },
      parent,
    );
    this.oidcProviderArn = oidcProvider.arn;

    // The VPC CNI only enforces NetworkPolicy when told to.
    new aws.eks.Addon(
      `${name}-vpc-cni`,
      {
        clusterName: cluster.name,
        addonName: "vpc-cni",
        configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
      },
      parent,
    );

    const nodeRole = serviceRole(
      `${name}-node-role`,
      "ec2.amazonaws.com",
      [
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      ],
      args.tags,
      parent,
    );
    // IMDSv2 with a hop limit of 1: pods cannot borrow the node role, they use Pod Identity or IRSA.
    const nodeTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true" } }],
        tagSpecifications: [{ resourceType: "instance", tags: { ...args.tags, Name: `${args.clusterName}-node` } }],
        tags: args.tags,
      },
      parent,
    );
    const nodeGroup = new aws.eks.NodeGroup(
      `${name}-nodes`,
      {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.role.arn,
        subnetIds: [...args.privateSubnetIds],
        instanceTypes: [args.nodeInstanceType ?? "m6i.large"],
        scalingConfig: { minSize: args.nodeMinSize ?? 2, desiredSize: args.nodeDesiredSize ?? 3, maxSize: args.nodeMaxSize ?? 6 },
        updateConfig: { maxUnavailable: 1 },
        launchTemplate: { id: nodeTemplate.id, version: nodeTemplate.latestVersion.apply(String) },
        tags: args.tags,
      },
      { parent: this, dependsOn: [...nodeRole.attachments] },
    );
    this.nodeAutoScalingGroupName = nodeGroup.resources[0].autoscalingGroups[0].name;

    // CPU-based autoscaling reads the metrics API, which EKS does not serve by default. Its pods need
    // nodes, or EKS keeps the add-on degraded and creating it times out.
    new aws.eks.Addon(`${name}-metrics-server`, { clusterName: cluster.name, addonName: "metrics-server" }, { parent: this, dependsOn: [nodeGroup] });

    // A DaemonSet on the nodes' network answering pods at 169.254.170.23; the node role's
    // AmazonEKSWorkerNodePolicy grants it eks-auth:AssumeRoleForPodIdentity.
    const podIdentityAgent =
      (args.podIdentityAgent ?? true)
        ? [new aws.eks.Addon(`${name}-pod-identity-agent`, { clusterName: cluster.name, addonName: "eks-pod-identity-agent" }, parent)]
        : [];

    const kubeconfig = eksKubeconfig(args.clusterName, args.region, cluster.endpoint, cluster.certificateAuthority.data);
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: pulumi.secret(kubeconfig),
        ...(args.renderYamlToDirectory ? { renderYamlToDirectory: args.renderYamlToDirectory } : {}),
      },
      // A first `pulumi up` from a deployer network reaches the API only once its rule exists;
      // pods started before the agent runs would go without credentials until it does.
      { parent: this, dependsOn: [nodeGroup, ...privateAccessRules, ...podIdentityAgent] },
    );

    this.registerOutputs({ clusterName: this.clusterName, oidcProviderArn: this.oidcProviderArn });
  }
}
