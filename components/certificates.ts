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
  /** Validity of the private-ca server certificate. @default 8760 (one year) */
  readonly serverValidityHours?: number;
  /** Tags for the ACM certificate. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The load balancer's TLS certificate: ACM with DNS validation in Route53, or, for internal and
 * dev environments, an ECDSA P-256 private CA and server certificate imported into ACM. Also the
 * self-signed certificate the pods serve the load balancer with, so requests stay encrypted up to
 * the proxy (the load balancer does not verify its targets' certificates).
 */
export class Certificates extends pulumi.ComponentResource {
  /** ARN of a certificate that is ready for a listener (validated, or imported). */
  readonly certificateArn: pulumi.Output<string>;
  /** PEM of the private CA clients must trust; undefined for acm. */
  readonly caCertPem?: pulumi.Output<string>;
  /** The certificate and private key (a Pulumi secret) the proxy serves HTTPS to the load balancer with. */
  readonly backend: { readonly certificatePem: pulumi.Output<string>; readonly privateKeyPem: pulumi.Output<string> };

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
      const ecdsaP256 = { algorithm: "ECDSA", ecdsaCurve: "P256" };
      const caKey = new tls.PrivateKey(`${name}-ca-key`, ecdsaP256, parent);
      const caCert = new tls.SelfSignedCert(
        `${name}-ca`,
        {
          privateKeyPem: caKey.privateKeyPem,
          subject: { commonName: `modproxy CA for ${args.domainName}`, organization: "modproxy" },
          isCaCertificate: true,
          validityPeriodHours: 5 * 8760,
          allowedUses: ["cert_signing", "crl_signing"],
        },
        parent,
      );
      const serverKey = new tls.PrivateKey(`${name}-server-key`, ecdsaP256, parent);
      const request = new tls.CertRequest(
        `${name}-server-csr`,
        {
          privateKeyPem: serverKey.privateKeyPem,
          subject: { commonName: args.domainName },
          dnsNames: [args.domainName],
        },
        parent,
      );
      const serverCert = new tls.LocallySignedCert(
        `${name}-server`,
        {
          certRequestPem: request.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: caCert.certPem,
          validityPeriodHours: args.serverValidityHours ?? 8760,
          earlyRenewalHours: 720,
          allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        },
        parent,
      );
      const imported = new aws.acm.Certificate(
        `${name}-cert`,
        {
          privateKey: serverKey.privateKeyPem,
          certificateBody: serverCert.certPem,
          certificateChain: caCert.certPem,
          tags: args.tags,
        },
        parent,
      );
      this.certificateArn = imported.arn;
      this.caCertPem = caCert.certPem;
    }
    const backendKey = new tls.PrivateKey(`${name}-backend-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, parent);
    const backendCert = new tls.SelfSignedCert(
      `${name}-backend`,
      {
        privateKeyPem: backendKey.privateKeyPem,
        subject: { commonName: `modproxy backend for ${args.domainName}`, organization: "modproxy" },
        dnsNames: [args.domainName],
        validityPeriodHours: 5 * 8760,
        earlyRenewalHours: 720,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
      },
      parent,
    );
    this.backend = { certificatePem: backendCert.certPem, privateKeyPem: pulumi.secret(backendKey.privateKeyPem) };
    this.registerOutputs({ certificateArn: this.certificateArn });
  }
}
