import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PolicyPackConfig } from "@pulumi/policy";
import { synthesize, SynthesizedResource } from "../../infra/synth";
import { evaluatePolicies, PolicyViolation } from "../../policies/evaluate";
import { allPolicies } from "../../policies/rules";
import { isRecord } from "../../policies/lib/values";

// The whole infra program, synthesized under mocks per example stack, against the whole pack; then
// deliberately broken copies of the dev program, each of which must be caught by the intended rule.

function packConfigFor(stack: string): PolicyPackConfig {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "../../policies/config", `${stack}.json`), "utf8")) as PolicyPackConfig;
}

const describeViolation = (v: PolicyViolation, resources: SynthesizedResource[]) => [
  v.policyName,
  resources.find((r) => r.urn === v.urn)?.name ?? "(stack)",
  v.message,
];

/** A deep copy of the program with one resource of `type` (the first, or the one `pick` chooses) changed. */
function breakResource(
  resources: SynthesizedResource[],
  type: string,
  mutate: (inputs: Record<string, unknown>) => void,
  pick: (r: SynthesizedResource) => boolean = () => true,
) {
  const copy = structuredClone(resources);
  const target = copy.find((r) => r.type === type && pick(r));
  if (!target) {
    throw new Error(`the dev program has no ${type} to break`);
  }
  mutate(target.inputs);
  return copy;
}

/** A deep copy of the program with one more resource, as a hand-written addition to it would register. */
function addResource(resources: SynthesizedResource[], type: string, name: string, inputs: Record<string, unknown>): SynthesizedResource[] {
  const template = resources.find((r) => r.type === type);
  if (!template) {
    throw new Error(`the dev program has no ${type} to copy`);
  }
  const urn = template.urn.replace(/::[^:]+$/, `::${name}`);
  return [...structuredClone(resources), { ...structuredClone(template), name, urn, inputs, propertyDependencies: {}, dependencies: [] }];
}

/** The pod spec of the proxy Deployment in a synthesized program. */
function podSpec(inputs: Record<string, unknown>): { containers: Record<string, unknown>[] } {
  const spec = (inputs.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
  assert.ok(isRecord(spec) && Array.isArray(spec.containers));
  return spec;
}

describe("the infra program against the policy pack", () => {
  it("records property dependencies, which stack rules use to join S3 settings and subnets to what they configure", async () => {
    // Mocks do not autoname, so a bucket's physical name (what its policy refers to) is absent from
    // its inputs; the engine joins such references by property dependency instead.
    const { resources } = await synthesize("dev");
    const bucket = resources.find((r) => r.type === "aws:s3/bucket:Bucket");
    const policy = resources.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy");
    assert.ok(bucket && policy, "the dev program should have a bucket and its bucket policy");
    assert.deepEqual(policy.propertyDependencies.bucket, [bucket.urn]);
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: has no mandatory violations`, async () => {
      const { resources } = await synthesize(stack);
      const found = await evaluatePolicies(allPolicies, resources, packConfigFor(stack));
      assert.deepEqual(
        found.filter((v) => v.enforcementLevel === "mandatory").map((v) => describeViolation(v, resources)),
        [],
      );
    });
  }

  it("prod: the internet-facing load balancer's group may admit the internet to HTTPS, not to the redirect port", async () => {
    const { resources } = await synthesize("prod");
    const variant = breakResource(
      resources,
      "aws:ec2/securityGroup:SecurityGroup",
      (inputs) => {
        inputs.ingress = (inputs.ingress as Record<string, unknown>[]).map((rule) => ({ ...rule, cidrBlocks: ["0.0.0.0/0"] }));
      },
      (r) => r.name === "modproxy-prod-sg",
    );
    const found = await evaluatePolicies(allPolicies, variant, packConfigFor("prod"));
    assert.deepEqual(
      found.filter((v) => v.enforcementLevel === "mandatory").map((v) => describeViolation(v, variant)),
      [
        [
          "security-group-no-public-ingress",
          "modproxy-prod-sg",
          "Ingress tcp/80 is open to 0.0.0.0/0; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
        ],
      ],
    );
  });

  it("prod: the replica of the module cache is held to the bucket rules, and its replication must carry KMS-encrypted objects", async () => {
    const { resources } = await synthesize("prod");
    let variant = breakResource(
      resources,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      (inputs) => {
        inputs.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
      },
      (r) => r.name === "modproxy-prod-replica-encryption",
    );
    variant = breakResource(variant, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", (inputs) => {
      delete (inputs.rules as Record<string, unknown>[])[0].sourceSelectionCriteria;
    });
    const found = await evaluatePolicies(allPolicies, variant, packConfigFor("prod"));
    assert.deepEqual(
      found.filter((v) => v.enforcementLevel === "mandatory").map((v) => describeViolation(v, variant)),
      [
        [
          "s3-bucket-kms-encryption",
          "modproxy-prod-replica-bucket",
          'Bucket "modproxy-prod-replica-bucket" default encryption is AES256; use a customer-managed KMS key (aws:kms with kmsMasterKeyId).',
        ],
        [
          "s3-replication-kms-objects",
          "modproxy-prod-replication",
          'Replication rule "replicate-cache" skips objects encrypted with KMS keys: set sourceSelectionCriteria.sseKmsEncryptedObjects to Enabled.',
        ],
      ],
    );
  });

  it("prod: an image pinned by tag alone is refused there, while dev, which follows tags, is not checked", async () => {
    const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/modproxy:0.1.0";
    const { resources } = await synthesize("prod", { config: { "modproxy:image": image } });
    const found = await evaluatePolicies(allPolicies, resources, packConfigFor("prod"));
    assert.deepEqual(
      found.map((v) => [v.enforcementLevel, ...describeViolation(v, resources)]),
      [["mandatory", "k8s-image-digest", "modproxy-prod-deployment", `Container "modproxy" image ${image} is not pinned by digest (@sha256:...).`]],
    );
    const dev = await synthesize("dev", { config: { "modproxy:image": image } });
    assert.deepEqual(await evaluatePolicies(allPolicies, dev.resources, packConfigFor("dev")), []);
  });

  describe("broken variants of dev are caught", () => {
    let dev: SynthesizedResource[];
    let baseline: Set<string>;
    const key = (v: PolicyViolation) => JSON.stringify([v.policyName, v.urn, v.message]);

    before(async () => {
      dev = (await synthesize("dev")).resources;
      baseline = new Set((await evaluatePolicies(allPolicies, dev, packConfigFor("dev"))).map(key));
    });

    /** Violations the variant has that the unbroken program does not, each with its level. */
    async function newViolations(variant: SynthesizedResource[]) {
      const found = await evaluatePolicies(allPolicies, variant, packConfigFor("dev"));
      return found.filter((v) => !baseline.has(key(v))).map((v) => [v.enforcementLevel, ...describeViolation(v, variant)]);
    }

    it("a bucket whose public access block lets policies and ACLs make it public", async () => {
      const variant = breakResource(
        dev,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        (inputs) => {
          inputs.blockPublicPolicy = false;
          inputs.restrictPublicBuckets = false;
        },
        (r) => r.name === "modproxy-dev-public-access",
      );
      assert.deepEqual(await newViolations(variant), [
        [
          "mandatory",
          "s3-bucket-public-access-block",
          "modproxy-dev-bucket",
          'Bucket "modproxy-dev-bucket" public access block "modproxy-dev-public-access" does not set blockPublicPolicy, restrictPublicBuckets to true.',
        ],
      ]);
    });

    it("nodes placed in a subnet that maps public IPs", async () => {
      const variant = breakResource(
        dev,
        "aws:ec2/subnet:Subnet",
        (inputs) => {
          inputs.mapPublicIpOnLaunch = true;
        },
        (r) => r.name === "modproxy-dev-private-0",
      );
      assert.deepEqual(await newViolations(variant), [
        [
          "mandatory",
          "node-subnets-no-public-ip",
          "modproxy-dev-private-0",
          'Subnet "modproxy-dev-private-0" maps public IPs on launch and hosts nodes of "modproxy-dev-nodes".',
        ],
      ]);
    });

    it("an HTTPS listener turned into plain HTTP", async () => {
      const variant = breakResource(
        dev,
        "aws:lb/listener:Listener",
        (inputs) => {
          inputs.protocol = "HTTP";
          delete inputs.sslPolicy;
          delete inputs.certificateArn;
        },
        (r) => r.inputs.protocol === "HTTPS",
      );
      assert.deepEqual(await newViolations(variant), [
        ["mandatory", "lb-listener-tls", "modproxy-dev-https", "HTTP listener serves traffic instead of only redirecting to HTTPS."],
      ]);
    });

    it("the load balancer's security group opened to the internet while the load balancer stays internal", async () => {
      const variant = breakResource(
        dev,
        "aws:ec2/securityGroup:SecurityGroup",
        (inputs) => {
          inputs.ingress = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }];
        },
        (r) => r.name === "modproxy-dev-sg",
      );
      assert.deepEqual(await newViolations(variant), [
        [
          "mandatory",
          "security-group-no-public-ingress",
          "modproxy-dev-sg",
          "Ingress tcp/443 is open to 0.0.0.0/0; only an internet-facing load balancer's HTTPS/TLS listener port may be.",
        ],
      ]);
    });

    it("an EKS API endpoint opened to the internet", async () => {
      const variant = breakResource(dev, "aws:eks/cluster:Cluster", (inputs) => {
        inputs.vpcConfig = { ...(inputs.vpcConfig as object), endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };
      });
      assert.deepEqual(await newViolations(variant), [
        ["mandatory", "eks-endpoint-not-public", "modproxy-dev-eks", "The public API endpoint allows 0.0.0.0/0."],
      ]);
    });

    it("GOSUMDB=off in the proxy's settings", async () => {
      const variant = breakResource(dev, "kubernetes:core/v1:ConfigMap", (inputs) => {
        inputs.data = { ...(inputs.data as object), GOSUMDB: "off" };
      });
      assert.deepEqual(await newViolations(variant), [
        ["mandatory", "go-checksum-verification-on", "modproxy-dev-settings", "GOSUMDB=off disables checksum verification (ConfigMap data)."],
      ]);
    });

    it("a plaintext token in the proxy container's env", async () => {
      const variant = breakResource(dev, "kubernetes:apps/v1:Deployment", (inputs) => {
        podSpec(inputs).containers[0].env = [{ name: "UPSTREAM_TOKEN", value: "s3cr3t-example" }];
      });
      assert.deepEqual(await newViolations(variant), [
        [
          "mandatory",
          "no-plaintext-credentials",
          "modproxy-dev-deployment",
          'UPSTREAM_TOKEN in container "modproxy" env is a literal value; reference a Secret instead.',
        ],
      ]);
    });

    describe("egress and NetworkPolicy content", () => {
      it("an allow-all NetworkPolicy beside the default-deny one", async () => {
        const variant = addResource(dev, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-all", {
          metadata: { name: "allow-all", namespace: "modproxy" },
          spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "k8s-network-policy-ingress-sources", "allow-all", 'spec.ingress[0] has no "from", so it admits every source.'],
          [
            "mandatory",
            "k8s-network-policy-egress-destinations",
            "allow-all",
            "spec.egress[0] reaches every destination on every port; list the ports it needs.",
          ],
        ]);
      });

      it("the proxy's internet egress opened to every port", async () => {
        const variant = breakResource(
          dev,
          "kubernetes:networking.k8s.io/v1:NetworkPolicy",
          (inputs) => {
            delete (inputs.spec as { egress: Record<string, unknown>[] }).egress[3].ports;
          },
          (r) => r.name === "modproxy-dev-allow",
        );
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "k8s-network-policy-egress-destinations",
            "modproxy-dev-allow",
            "spec.egress[3] reaches 0.0.0.0/0 on every port; list the ports it needs.",
          ],
        ]);
      });

      it("the load balancer's security group let out to the internet on every port", async () => {
        const variant = breakResource(
          dev,
          "aws:ec2/securityGroup:SecurityGroup",
          (inputs) => {
            inputs.egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }];
          },
          (r) => r.name === "modproxy-dev-sg",
        );
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "security-group-no-public-egress",
            "modproxy-dev-sg",
            "Egress all traffic is open to 0.0.0.0/0; only tcp port(s) 443 may reach the internet.",
          ],
        ]);
      });

      it("the VPC's default security group given rules back", async () => {
        const variant = breakResource(dev, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", (inputs) => {
          inputs.ingress = [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }];
        });
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "default-security-group-no-rules",
            "modproxy-dev-default-sg",
            'Default security group "modproxy-dev-default-sg" has ingress rules; leave it with none.',
          ],
        ]);
      });

      it("externalIPs on the proxy's Service", async () => {
        const variant = breakResource(dev, "kubernetes:core/v1:Service", (inputs) => {
          (inputs.spec as Record<string, unknown>).externalIPs = ["203.0.113.10"];
        });
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "k8s-service-no-external-ips",
            "modproxy-dev-service",
            "The Service sets externalIPs 203.0.113.10; expose it through a load balancer or NodePort instead.",
          ],
        ]);
      });
    });

    describe("encryption at rest and keys", () => {
      it("the module cache's default encryption removed, or downgraded to SSE-S3", async () => {
        const removed = dev.filter((r) => r.name !== "modproxy-dev-encryption");
        assert.deepEqual(await newViolations(removed), [
          [
            "mandatory",
            "s3-bucket-kms-encryption",
            "modproxy-dev-bucket",
            'Bucket "modproxy-dev-bucket" has no default encryption configuration, so S3 uses its own keys (SSE-S3); use a customer-managed KMS key.',
          ],
        ]);
        const downgraded = breakResource(
          dev,
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          (inputs) => {
            inputs.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
          },
          (r) => r.name === "modproxy-dev-encryption",
        );
        assert.deepEqual(await newViolations(downgraded), [
          [
            "mandatory",
            "s3-bucket-kms-encryption",
            "modproxy-dev-bucket",
            'Bucket "modproxy-dev-bucket" default encryption is AES256; use a customer-managed KMS key (aws:kms with kmsMasterKeyId).',
          ],
        ]);
      });

      it("the module cache's versioning suspended", async () => {
        const variant = breakResource(
          dev,
          "aws:s3/bucketVersioning:BucketVersioning",
          (inputs) => {
            inputs.versioningConfiguration = { status: "Suspended" };
          },
          (r) => r.name === "modproxy-dev-versioning",
        );
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "s3-bucket-versioning", "modproxy-dev-bucket", 'Bucket "modproxy-dev-bucket" versioning is Suspended; keep it Enabled.'],
        ]);
      });

      it("rotation turned off on the cache's key, and the key opened to any principal", async () => {
        const variant = breakResource(
          dev,
          "aws:kms/key:Key",
          (inputs) => {
            inputs.enableKeyRotation = false;
            inputs.policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }] });
          },
          (r) => r.name === "modproxy-dev-key",
        );
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "kms-key-rotation", "modproxy-dev-key", "Key rotation is off: set enableKeyRotation to true."],
          [
            "mandatory",
            "kms-key-policy-no-public-principal",
            "modproxy-dev-key",
            "Key policy statement 0 allows any principal without a condition pinning it to an account, organization or network.",
          ],
        ]);
      });

      it("the nodes' volumes left unencrypted", async () => {
        const variant = breakResource(dev, "aws:ec2/launchTemplate:LaunchTemplate", (inputs) => {
          inputs.blockDeviceMappings = [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3" } }];
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "ec2-volumes-encrypted", "modproxy-dev-nodes", "blockDeviceMappings /dev/xvda is not encrypted."],
        ]);
      });
    });

    describe("public exposure of data", () => {
      it("a bucket policy statement granting reads to anyone", async () => {
        const variant = breakResource(
          dev,
          "aws:s3/bucketPolicy:BucketPolicy",
          (inputs) => {
            const policy = JSON.parse(String(inputs.policy)) as { Statement: object[] };
            policy.Statement.push({
              Sid: "PublicRead",
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: "arn:aws:s3:::modproxy-dev-bucket-a1b2c3/*",
            });
            inputs.policy = JSON.stringify(policy);
          },
          (r) => r.name === "modproxy-dev-tls-only",
        );
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "s3-bucket-policy-no-public-principal",
            "modproxy-dev-tls-only",
            'Bucket policy statement "PublicRead" allows any principal without a condition pinning it to an account, organization or network.',
          ],
        ]);
      });

      it("a public-read ACL, with ACLs turned back on", async () => {
        const variant = breakResource(
          dev,
          "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
          (inputs) => {
            inputs.rule = { objectOwnership: "BucketOwnerPreferred" };
          },
          (r) => r.name === "modproxy-dev-ownership",
        );
        const bucket = variant.find((r) => r.name === "modproxy-dev-bucket");
        assert.ok(bucket);
        bucket.inputs.acl = "public-read";
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "s3-bucket-no-public-acl",
            "modproxy-dev-bucket",
            "The canned ACL public-read makes the bucket's contents public; leave ACLs off (BucketOwnerEnforced).",
          ],
          [
            "mandatory",
            "s3-bucket-acls-disabled",
            "modproxy-dev-bucket",
            'Bucket "modproxy-dev-bucket" does not set object ownership to BucketOwnerEnforced (BucketOwnerPreferred), so ACLs still apply.',
          ],
        ]);
      });
    });

    describe("node metadata", () => {
      it("the nodes' launch template allowing IMDSv1 with a hop limit pods can use", async () => {
        const variant = breakResource(dev, "aws:ec2/launchTemplate:LaunchTemplate", (inputs) => {
          inputs.metadataOptions = { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 2 };
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "ec2-imdsv2-required", "modproxy-dev-nodes", "metadataOptions.httpTokens is optional, which allows IMDSv1: set it to required."],
          [
            "mandatory",
            "ec2-imds-hop-limit",
            "modproxy-dev-nodes",
            "metadataOptions.httpPutResponseHopLimit is 2, which lets containers reach the metadata service; set it to 1.",
          ],
        ]);
      });
    });

    describe("workload hardening", () => {
      it("the proxy pod given the node's process namespace and a hostPath volume", async () => {
        const variant = breakResource(dev, "kubernetes:apps/v1:Deployment", (inputs) => {
          const pod = podSpec(inputs) as Record<string, unknown>;
          pod.hostPID = true;
          pod.volumes = [...(pod.volumes as object[]), { name: "node", hostPath: { path: "/" } }];
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "k8s-no-host-namespaces", "modproxy-dev-deployment", "hostPID is true."],
          ["mandatory", "k8s-no-host-path-volumes", "modproxy-dev-deployment", 'Volume "node" mounts the node\'s / (hostPath).'],
        ]);
      });

      it("the proxy container keeping capabilities, adding SYS_ADMIN, unconfined by seccomp", async () => {
        const variant = breakResource(dev, "kubernetes:apps/v1:Deployment", (inputs) => {
          const context = podSpec(inputs).containers[0].securityContext as Record<string, unknown>;
          context.capabilities = { add: ["SYS_ADMIN"] };
          context.seccompProfile = { type: "Unconfined" };
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "k8s-capabilities-restricted", "modproxy-dev-deployment", 'Container "modproxy" does not drop ALL capabilities.'],
          ["mandatory", "k8s-capabilities-restricted", "modproxy-dev-deployment", 'Container "modproxy" adds capabilities SYS_ADMIN.'],
          [
            "mandatory",
            "k8s-seccomp-runtime-default",
            "modproxy-dev-deployment",
            'Container "modproxy" runs with seccomp profile Unconfined; use RuntimeDefault.',
          ],
        ]);
      });

      it("the proxy run as the default service account, mounting its API token", async () => {
        const variant = breakResource(dev, "kubernetes:apps/v1:Deployment", (inputs) => {
          const pod = podSpec(inputs) as Record<string, unknown>;
          delete pod.serviceAccountName;
          delete pod.automountServiceAccountToken;
        });
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "k8s-service-account-token-not-automounted",
            "modproxy-dev-deployment",
            'Workload "modproxy-dev-deployment" mounts an API token for service account "modproxy/default"; set automountServiceAccountToken to false, or list the account in apiServiceAccounts.',
          ],
          [
            "mandatory",
            "k8s-no-default-service-account",
            "modproxy-dev-deployment",
            "The pod runs as the namespace's default service account; give it one of its own (serviceAccountName).",
          ],
        ]);
      });

      it("the namespace's Pod Security enforce label weakened to baseline", async () => {
        const variant = breakResource(dev, "kubernetes:core/v1:Namespace", (inputs) => {
          (inputs.metadata as { labels: Record<string, string> }).labels["pod-security.kubernetes.io/enforce"] = "baseline";
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "k8s-namespace-pod-security-enforced", "modproxy-dev-ns", "pod-security.kubernetes.io/enforce is baseline; enforce restricted."],
        ]);
      });

      it("a latest image without limits: latest is refused, the missing limit only advised", async () => {
        const variant = breakResource(dev, "kubernetes:apps/v1:Deployment", (inputs) => {
          const container = podSpec(inputs).containers[0];
          container.image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/modproxy:latest";
          container.resources = { requests: { cpu: "250m", memory: "256Mi" } };
        });
        assert.deepEqual(await newViolations(variant), [
          ["advisory", "k8s-resource-limits", "modproxy-dev-deployment", 'Container "modproxy" sets no memory limit.'],
          [
            "mandatory",
            "k8s-image-tag-pinned",
            "modproxy-dev-deployment",
            'Container "modproxy" image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/modproxy:latest uses the latest tag; pin a version or a digest.',
          ],
        ]);
      });
    });

    describe("audit logging", () => {
      it("flow logs narrowed to rejected traffic and kept a week", async () => {
        let variant = breakResource(dev, "aws:ec2/flowLog:FlowLog", (inputs) => {
          inputs.trafficType = "REJECT";
        });
        variant = breakResource(
          variant,
          "aws:cloudwatch/logGroup:LogGroup",
          (inputs) => {
            inputs.retentionInDays = 7;
          },
          (r) => r.name === "modproxy-dev-flow-logs",
        );
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "vpc-flow-logs", "modproxy-dev-vpc", 'VPC "modproxy-dev-vpc" flow logs record REJECT traffic only; record ALL.'],
          ["mandatory", "cloudwatch-log-retention", "modproxy-dev-flow-logs", "retentionInDays is 7, below the minimum of 365."],
        ]);
      });

      it("EKS sending the API log only", async () => {
        const variant = breakResource(dev, "aws:eks/cluster:Cluster", (inputs) => {
          inputs.enabledClusterLogTypes = ["api"];
        });
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "eks-control-plane-logging",
            "modproxy-dev-eks",
            "Control-plane logs audit, authenticator, controllerManager, scheduler are not enabled (enabledClusterLogTypes).",
          ],
        ]);
      });

      it("the load balancer's access logs and the cache's server access logging turned off", async () => {
        const variant = breakResource(dev, "aws:lb/loadBalancer:LoadBalancer", (inputs) => {
          delete inputs.accessLogs;
        }).filter((r) => r.type !== "aws:s3/bucketLogging:BucketLogging");
        // Nothing sends logs to the log bucket any more, so it is judged as any bucket.
        delete variant.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer")?.propertyDependencies.accessLogs;
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "s3-bucket-kms-encryption",
            "modproxy-dev-logs",
            'Bucket "modproxy-dev-logs" default encryption is AES256; use a customer-managed KMS key (aws:kms with kmsMasterKeyId).',
          ],
          ["mandatory", "s3-bucket-access-logging", "modproxy-dev-logs", 'Bucket "modproxy-dev-logs" has no server access logging.'],
          ["mandatory", "s3-bucket-access-logging", "modproxy-dev-bucket", 'Bucket "modproxy-dev-bucket" has no server access logging.'],
          ["mandatory", "lb-access-logs", "modproxy-dev-alb", "Access logs are off: set accessLogs with enabled true and a bucket."],
        ]);
      });
    });

    describe("TLS details", () => {
      it("the load balancer passing invalid headers on, in desync monitor mode, with a policy offering RSA key exchange", async () => {
        let variant = breakResource(dev, "aws:lb/loadBalancer:LoadBalancer", (inputs) => {
          delete inputs.dropInvalidHeaderFields;
          inputs.desyncMitigationMode = "monitor";
        });
        variant = breakResource(
          variant,
          "aws:lb/listener:Listener",
          (inputs) => {
            inputs.sslPolicy = "ELBSecurityPolicy-TLS-1-2-2017-01";
          },
          (r) => r.inputs.protocol === "HTTPS",
        );
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "lb-listener-tls",
            "modproxy-dev-https",
            "HTTPS listener uses security policy ELBSecurityPolicy-TLS-1-2-2017-01, which is not on the approved list (TLS 1.2+, forward secrecy only).",
          ],
          ["mandatory", "lb-drop-invalid-headers", "modproxy-dev-alb", "dropInvalidHeaderFields is not true: invalid headers reach the targets."],
          [
            "mandatory",
            "lb-desync-mitigation",
            "modproxy-dev-alb",
            "desyncMitigationMode is monitor, which forwards ambiguous requests: use defensive or strictest.",
          ],
        ]);
      });

      it("the HTTPS listener without HSTS", async () => {
        const variant = breakResource(
          dev,
          "aws:lb/listener:Listener",
          (inputs) => {
            delete inputs.routingHttpResponseStrictTransportSecurityHeaderValue;
          },
          (r) => r.inputs.protocol === "HTTPS",
        );
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "lb-https-listener-hsts", "modproxy-dev-https", "The HTTPS listener sends no Strict-Transport-Security header."],
        ]);
      });

      it("the load balancer forwarding to the pods in plain HTTP", async () => {
        const variant = breakResource(dev, "aws:lb/targetGroup:TargetGroup", (inputs) => {
          inputs.protocol = "HTTP";
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "lb-target-group-tls", "modproxy-dev-tg", "The target group forwards over HTTP: use HTTPS (or TLS), with the targets serving TLS."],
        ]);
      });
    });

    describe("secrets found by value", () => {
      it("a .netrc pasted into the proxy's settings under an innocent key", async () => {
        const variant = breakResource(dev, "kubernetes:core/v1:ConfigMap", (inputs) => {
          inputs.data = { ...(inputs.data as object), vcs: "machine git.example.com login bot password s3cret" };
        });
        assert.deepEqual(await newViolations(variant), [
          ["mandatory", "no-credentials-by-value", "modproxy-dev-settings", "vcs in ConfigMap data contains a .netrc password; reference a Secret instead."],
        ]);
      });
    });

    describe("node access", () => {
      it("an SSH key on the node group with no source groups", async () => {
        const variant = breakResource(dev, "aws:eks/nodeGroup:NodeGroup", (inputs) => {
          inputs.remoteAccess = { ec2SshKey: "ops" };
        });
        assert.deepEqual(await newViolations(variant), [
          [
            "mandatory",
            "eks-node-group-no-open-ssh",
            "modproxy-dev-nodes",
            "remoteAccess sets an SSH key but no sourceSecurityGroupIds, so EKS opens SSH to 0.0.0.0/0.",
          ],
        ]);
      });
    });
  });
});
