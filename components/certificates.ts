import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface CertificatesArgs {
  /** The name clients use to reach the proxy. */
  readonly domainName: string;
  /** acm: an Amazon-issued certificate validated through DNS; private-ca: a CA and server certificate made here and imported. */
  readonly source: "acm" | "private-ca";
  /** Route53 zone that holds `domainName`, for the DNS validation records; required for acm, unused for private-ca. @default unset */
  readonly hostedZoneId?: string;
  /** Validity of the server certificates the private CAs issue (private-ca's, and the pods'). @default 8760 (one year) */
  readonly serverValidityHours?: number;
  /** Tags for the ACM certificate. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The load balancer's TLS certificate: ACM with DNS validation in Route53, or, for internal and
 * dev environments, an ECDSA P-256 private CA and server certificate imported into ACM. Also the
 * certificate the pods serve the load balancer with, issued by a second private CA, so requests stay
 * encrypted up to the proxy (the load balancer does not verify its targets' certificates).
 */
export class Certificates extends pulumi.ComponentResource {
  /** ARN of a certificate that is ready for a listener (validated, or imported). */
  readonly certificateArn: pulumi.Output<string>;
  /** PEM of the private CA clients must trust; undefined for acm. */
  readonly caCertPem?: pulumi.Output<string>;
  /** The certificate and private key (a Pulumi secret) the proxy serves HTTPS to the load balancer with. */
  readonly backend: { readonly certificatePem: pulumi.Output<string>; readonly privateKeyPem: pulumi.Output<string> };
  /** PEM of the CA that issued `backend`, for whatever checks the pods' certificate. */
  readonly backendCaCertPem: pulumi.Output<string>;

  constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modproxy:components:Certificates", name, {}, opts);
    const parent = { parent: this };
    if (args.source === "acm") {
      if (!args.hostedZoneId) {
        throw new Error(`Certificates ${name}: hostedZoneId is required for an acm certificate (it is validated through DNS)`);
      }
      const certificate = new aws.acm.Certificate(
        `${name}-cert`,
        {
          domainName: args.domainName,
          validationMethod: "DNS",
          keyAlgorithm: "EC_prime256v1",
          tags: args.tags,
        },
        parent,
      );
      const validationOption = certificate.domainValidationOptions[0];
      const validationRecord = new aws.route53.Record(
        `${name}-validation`,
        {
          zoneId: args.hostedZoneId,
          name: validationOption.resourceRecordName,
          type: validationOption.resourceRecordType,
          records: [validationOption.resourceRecordValue],
          ttl: 300,
          allowOverwrite: true,
        },
        parent,
      );
      const validation = new aws.acm.CertificateValidation(
        `${name}-validation`,
        {
          certificateArn: certificate.arn,
          validationRecordFqdns: [validationRecord.fqdn],
        },
        parent,
      );
      this.certificateArn = validation.certificateArn;
    } else {
      const ca = privateCa(`${name}-ca`, `modproxy CA for ${args.domainName}`, parent);
      const server = issue(`${name}-server`, ca, args.domainName, args.serverValidityHours ?? 8760, parent);
      const imported = new aws.acm.Certificate(
        `${name}-cert`,
        {
          privateKey: server.privateKeyPem,
          certificateBody: server.certPem,
          certificateChain: ca.certPem,
          tags: args.tags,
        },
        parent,
      );
      this.certificateArn = imported.arn;
      this.caCertPem = ca.certPem;
    }
    // A CA of its own, so the pods' certificate can be reissued under a trust anchor that stays.
    const backendCa = privateCa(`${name}-backend-ca`, `modproxy backend CA for ${args.domainName}`, parent);
    const backend = issue(`${name}-backend`, backendCa, args.domainName, args.serverValidityHours ?? 8760, parent);
    this.backend = { certificatePem: backend.certPem, privateKeyPem: pulumi.secret(backend.privateKeyPem) };
    this.backendCaCertPem = backendCa.certPem;
    this.registerOutputs({ certificateArn: this.certificateArn });
  }
}

const ECDSA_P256 = { algorithm: "ECDSA", ecdsaCurve: "P256" };

/** An ECDSA P-256 CA kept in the stack's state: its key and a self-signed CA certificate valid five years. */
function privateCa(name: string, commonName: string, opts: pulumi.CustomResourceOptions) {
  const key = new tls.PrivateKey(`${name}-key`, ECDSA_P256, opts);
  const cert = new tls.SelfSignedCert(
    name,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName, organization: "modproxy" },
      isCaCertificate: true,
      validityPeriodHours: 5 * 8760,
      allowedUses: ["cert_signing", "crl_signing"],
    },
    opts,
  );
  return { privateKeyPem: key.privateKeyPem, certPem: cert.certPem };
}

/** A server certificate for `domainName` with a key of its own, issued by `ca`, reissued a month before it expires. */
function issue(name: string, ca: ReturnType<typeof privateCa>, domainName: string, validityHours: number, opts: pulumi.CustomResourceOptions) {
  const key = new tls.PrivateKey(`${name}-key`, ECDSA_P256, opts);
  const request = new tls.CertRequest(`${name}-csr`, { privateKeyPem: key.privateKeyPem, subject: { commonName: domainName }, dnsNames: [domainName] }, opts);
  const cert = new tls.LocallySignedCert(
    name,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: ca.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: validityHours,
      earlyRenewalHours: 720,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
    },
    opts,
  );
  return { privateKeyPem: key.privateKeyPem, certPem: cert.certPem };
}
