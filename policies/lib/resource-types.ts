import { ResourceValidation, ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { JsonRecord } from "./values";

/** Type tokens the pack inspects; aws v7 keeps the alb/* aliases as distinct tokens, so both are listed. */
export const types = {
  bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  bucketPublicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
  bucketEncryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  bucketVersioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
  bucketLogging: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
  bucketAcl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
  bucketOwnershipControls: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
  bucketReplication: ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"],
  kmsKey: ["aws:kms/key:Key"],
  kmsKeyPolicy: ["aws:kms/keyPolicy:KeyPolicy"],
  ebsVolume: ["aws:ebs/volume:Volume"],
  securityGroup: ["aws:ec2/securityGroup:SecurityGroup"],
  securityGroupRule: ["aws:ec2/securityGroupRule:SecurityGroupRule"],
  defaultSecurityGroup: ["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"],
  securityGroupIngressRule: ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
  securityGroupEgressRule: ["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"],
  vpc: ["aws:ec2/vpc:Vpc"],
  flowLog: ["aws:ec2/flowLog:FlowLog"],
  logGroup: ["aws:cloudwatch/logGroup:LogGroup"],
  eksCluster: ["aws:eks/cluster:Cluster"],
  eksNodeGroup: ["aws:eks/nodeGroup:NodeGroup"],
  instance: ["aws:ec2/instance:Instance"],
  launchTemplate: ["aws:ec2/launchTemplate:LaunchTemplate"],
  subnet: ["aws:ec2/subnet:Subnet"],
  loadBalancer: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
  listener: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
  targetGroup: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
  listenerRule: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
  certificate: ["aws:acm/certificate:Certificate"],
  tlsPrivateKey: ["tls:index/privateKey:PrivateKey"],
  service: ["kubernetes:core/v1:Service"],
  networkPolicy: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
} satisfies Record<string, string[]>;

/** A filter for resources (or validation args) of one of the given type tokens. */
export const isOneOf =
  (tokens: readonly string[]) =>
  (resource: { type: string }): boolean =>
    tokens.includes(resource.type);

/**
 * Like `validateResourceOfType`, but for a set of type tokens: the aws alias tokens and the k8s
 * workload kinds share one rule body. Other types are reported not applicable, as the SDK helper does.
 */
export function validateResourceOfTypes(
  tokens: readonly string[],
  validate: (props: JsonRecord, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
  return (args, reportViolation) => {
    if (!isOneOf(tokens)(args)) {
      args.notApplicable(`Policy only applies to resources of type ${tokens.join(", ")}`);
    }
    validate(args.props, args, reportViolation);
  };
}
