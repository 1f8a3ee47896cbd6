import * as pulumi from "@pulumi/pulumi";

/**
 * A kubeconfig for an EKS cluster that gets its token from `aws eks get-token`, so it holds no
 * credential of its own and works for whoever runs `pulumi up` with access to the cluster.
 */
export function eksKubeconfig(
  clusterName: pulumi.Input<string>,
  region: string,
  endpoint: pulumi.Input<string>,
  certificateAuthorityData: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.jsonStringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": certificateAuthorityData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region],
          },
        },
      },
    ],
  });
}
