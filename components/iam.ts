/** IAM policy documents shared by the components, built as plain JSON so tests and policies can read them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A trust policy letting one AWS service assume a role. */
export function serviceTrustPolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/** The bucket policy statement refusing every request to the bucket and its objects that does not use TLS. */
export function denyInsecureTransport(bucketArn: pulumi.Input<string>) {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export interface ServiceRole {
  /** The role, trusted by the service alone. */
  readonly role: aws.iam.Role;
  /** What the role's users must depend on: without them EKS cannot act, and nodes cannot join. */
  readonly attachments: readonly aws.iam.RolePolicyAttachment[];
}

/** A role for an AWS service with the given AWS-managed policies attached. */
export function serviceRole(
  name: string,
  service: string,
  managedPolicyArns: readonly string[],
  tags: Record<string, string> | undefined,
  opts: pulumi.CustomResourceOptions,
): ServiceRole {
  const role = new aws.iam.Role(name, { assumeRolePolicy: serviceTrustPolicy(service), tags }, opts);
  const attachments = managedPolicyArns.map((policyArn) => {
    const policyName = policyArn.split("/").pop() as string;
    return new aws.iam.RolePolicyAttachment(`${name}-${policyName}`, { role: role.name, policyArn }, opts);
  });
  return { role, attachments };
}
