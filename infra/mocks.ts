/**
 * Offline stand-ins for AWS, Kubernetes, TLS and random resources, shared by `synthesize`
 * and the tests. They echo a resource's inputs back as its state and add the outputs the
 * blueprint reads downstream (cluster endpoint and OIDC issuer, ARNs, load balancer DNS name,
 * certificate validation records, ...), shaped like the real providers return them.
 */
import * as pulumi from "@pulumi/pulumi";

const MOCK_ACCOUNT_ID = "123456789012";
/** S3's ranges in a region, as its gateway endpoint and prefix list report them. */
const S3_CIDRS = ["52.216.0.0/15", "3.5.0.0/19"];

function arnFor(type: string, name: string, region: string): string {
  const service = type.split(":")[1].split("/")[0];
  return service === "cloudwatch" ? `arn:aws:logs:${region}:${MOCK_ACCOUNT_ID}:log-group:${name}` : `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${name}`;
}

/** Extra state per type token, on top of the echoed inputs. */
function outputsFor(args: pulumi.runtime.MockResourceArgs, region: string): Record<string, unknown> {
  const { type, name, inputs } = args;
  switch (type) {
    case "aws:eks/cluster:Cluster":
      return {
        endpoint: `https://${name}.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from(`ca-of-${name}`).toString("base64") },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${name.toUpperCase()}` }] }],
        vpcConfig: { ...inputs.vpcConfig, clusterSecurityGroupId: `sg-${name}-cluster`, vpcId: "vpc-mock" },
      };
    case "aws:eks/nodeGroup:NodeGroup":
      return { resources: [{ autoscalingGroups: [{ name: `eks-${name}-asg` }], remoteAccessSecurityGroupId: "" }] };
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return inputs.vpcEndpointType === "Gateway" ? { cidrBlocks: S3_CIDRS, prefixListId: "pl-63a5400a" } : {};
    case "aws:lb/loadBalancer:LoadBalancer":
      return { dnsName: `${name}-1234567890.${region}.elb.amazonaws.com`, zoneId: "Z35SXDOTRQ7X7K" };
    case "aws:acm/certificate:Certificate":
      return {
        domainValidationOptions:
          inputs.domainName === undefined
            ? []
            : [
                {
                  domainName: inputs.domainName,
                  resourceRecordName: `_abc123.${inputs.domainName}.`,
                  resourceRecordType: "CNAME",
                  resourceRecordValue: "_def456.acm-validations.aws.",
                },
              ],
      };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`, name };
    case "aws:s3/bucket:Bucket":
      return { bucket: inputs.bucket ?? `${name}-a1b2c3`, arn: `arn:aws:s3:::${inputs.bucket ?? `${name}-a1b2c3`}` };
    case "aws:route53/record:Record":
      return { fqdn: String(inputs.name).replace(/\.$/, "") };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { latestVersion: 1 };
    case "aws:kms/key:Key":
      return { keyId: `key-${name}` };
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${name}\n-----END PRIVATE KEY-----\n` };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n` };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${name}\n-----END CERTIFICATE REQUEST-----\n` };
    case "random:index/randomPassword:RandomPassword":
      return { result: `mock-token-${name}`.padEnd(Number(inputs.length ?? 32), "x").slice(0, Number(inputs.length ?? 32)) };
    default:
      return {};
  }
}

/** Kubernetes objects without a metadata.name get `<logical name>-<suffix>`, as the provider's autonaming does. */
function autonamed(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const metadata = args.inputs.metadata as Record<string, unknown> | undefined;
  return args.type.startsWith("kubernetes:") && metadata !== undefined && metadata.name === undefined
    ? { metadata: { ...metadata, name: `${args.name}-5x7k2m9q` } }
    : {};
}

/** Mocks for one region: resources echo their inputs plus realistic outputs; invokes answer the data sources the blueprint uses. */
export function createMocks(region: string): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const state: Record<string, unknown> = {
        ...args.inputs,
        ...(args.type.startsWith("aws:") ? { arn: arnFor(args.type, args.name, region) } : {}),
        ...outputsFor(args, region),
        ...autonamed(args),
      };
      // A bucket's id is its name, which the bucket-level resources reference.
      const id = args.type === "aws:s3/bucket:Bucket" ? String(state.bucket) : `${args.name}-id`;
      return { id, state };
    },
    call(args) {
      switch (args.token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
          return { names: ["a", "b", "c", "d"].map((suffix) => `${region}${suffix}`), zoneIds: ["az1", "az2", "az3", "az4"], state: "available" };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/deployer`, userId: "AIDAMOCKDEPLOYER" };
        case "aws:elb/getServiceAccount:getServiceAccount":
          // The ELB account of eu-west-1, which writes load balancer access logs there.
          return { id: "156460612806", arn: "arn:aws:iam::156460612806:root", region };
        case "aws:ec2/getPrefixList:getPrefixList":
          if (args.inputs.name !== `com.amazonaws.${region}.s3`) throw new Error(`no mock for the prefix list ${String(args.inputs.name)}`);
          return { id: "pl-63a5400a", prefixListId: "pl-63a5400a", name: args.inputs.name, cidrBlocks: S3_CIDRS };
        default:
          throw new Error(`no mock for invoke ${args.token}`);
      }
    },
  };
}
