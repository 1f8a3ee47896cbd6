import * as assert from "assert";
import { Certificates } from "../../components/certificates";
import { runOffline } from "../../infra/offlineRun";
import { assertParentedToComponent, isSecretAt, ofType, one, synthesizeComponent } from "../infra/resources";

describe("Certificates", () => {
  it("parents everything it creates to itself", async () => {
    assertParentedToComponent(await synthesizeComponent(() => new Certificates("c", { domainName: "goproxy.example.com", source: "acm", hostedZoneId: "Z1" })));
    assertParentedToComponent(await synthesizeComponent(() => new Certificates("c", { domainName: "goproxy.example.com", source: "private-ca" })));
  });

  it("validates an ACM certificate through a record in the given zone", async () => {
    const result = await synthesizeComponent(() => new Certificates("c", { domainName: "goproxy.example.com", source: "acm", hostedZoneId: "Z1" }));
    const certificate = one(result, "aws:acm/certificate:Certificate");
    assert.strictEqual(certificate.inputs.validationMethod, "DNS");
    assert.strictEqual(certificate.inputs.domainName, "goproxy.example.com");
    const record = one(result, "aws:route53/record:Record");
    assert.deepStrictEqual([record.inputs.zoneId, record.inputs.type, record.inputs.records], ["Z1", "CNAME", ["_def456.acm-validations.aws."]]);
    assert.deepStrictEqual(one(result, "aws:acm/certificateValidation:CertificateValidation").inputs.validationRecordFqdns, ["_abc123.goproxy.example.com"]);
    assert.deepStrictEqual(
      ofType(result, "tls:index/privateKey:PrivateKey").map((k) => k.name),
      ["c-backend-ca-key", "c-backend-key"],
      "the only keys made here are the backend's and its CA's",
    );
  });

  it("refuses ACM without a hosted zone", async () => {
    await assert.rejects(
      synthesizeComponent(() => new Certificates("c", { domainName: "goproxy.example.com", source: "acm" })),
      /hostedZoneId is required/,
    );
  });

  it("makes an ECDSA P-256 CA and server certificate for the private CA and imports them", async () => {
    const result = await synthesizeComponent(() => new Certificates("c", { domainName: "goproxy.dev.example.com", source: "private-ca" }));
    const keys = ofType(result, "tls:index/privateKey:PrivateKey");
    assert.deepStrictEqual(
      keys.map((k) => k.name),
      ["c-ca-key", "c-server-key", "c-backend-ca-key", "c-backend-key"],
    );
    assert.ok(keys.every((k) => k.inputs.algorithm === "ECDSA" && k.inputs.ecdsaCurve === "P256"));
    assert.strictEqual(one(result, "tls:index/selfSignedCert:SelfSignedCert", "c-ca").inputs.isCaCertificate, true);
    const server = one(result, "tls:index/locallySignedCert:LocallySignedCert", "c-server");
    assert.deepStrictEqual(server.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
    assert.deepStrictEqual(one(result, "tls:index/certRequest:CertRequest", "c-server-csr").inputs.dnsNames, ["goproxy.dev.example.com"]);
    const imported = one(result, "aws:acm/certificate:Certificate");
    assert.match(String(imported.inputs.privateKey), /BEGIN PRIVATE KEY[\s\S]*c-server-key/);
    assert.ok(isSecretAt(imported, "privateKey"), "the imported key is encrypted in the stack's state");
    assert.match(String(imported.inputs.certificateChain), /c-ca/);
  });

  it("issues the certificate the pods serve the load balancer with from a private CA of its own, the key a Pulumi secret", async () => {
    for (const source of ["acm", "private-ca"] as const) {
      const result = await runOffline({ stack: "test", region: "eu-west-1" }, () => {
        const certificates = new Certificates("c", { domainName: "goproxy.example.com", source, hostedZoneId: "Z1" });
        return {
          certificatePem: certificates.backend.certificatePem,
          privateKeyPem: certificates.backend.privateKeyPem,
          caPem: certificates.backendCaCertPem,
        };
      });
      const ca = one(result, "tls:index/selfSignedCert:SelfSignedCert", "c-backend-ca");
      assert.deepStrictEqual([ca.inputs.isCaCertificate, ca.inputs.allowedUses], [true, ["cert_signing", "crl_signing"]]);
      assert.strictEqual(ca.inputs.privateKeyPem, one(result, "tls:index/privateKey:PrivateKey", "c-backend-ca-key").outputs.privateKeyPem);
      const backend = one(result, "tls:index/locallySignedCert:LocallySignedCert", "c-backend");
      assert.deepStrictEqual(
        [backend.inputs.caCertPem, backend.inputs.caPrivateKeyPem, backend.inputs.allowedUses],
        [ca.outputs.certPem, ca.inputs.privateKeyPem, ["digital_signature", "key_encipherment", "server_auth"]],
        "signed by the backend CA",
      );
      assert.deepStrictEqual(one(result, "tls:index/certRequest:CertRequest", "c-backend-csr").inputs.dnsNames, ["goproxy.example.com"]);
      assert.strictEqual(backend.inputs.earlyRenewalHours, 720, "reissued by a `pulumi up` in its last month");
      for (const key of ["c-backend-ca-key", "c-backend-key"]) {
        const { algorithm, ecdsaCurve } = one(result, "tls:index/privateKey:PrivateKey", key).inputs;
        assert.deepStrictEqual([algorithm, ecdsaCurve], ["ECDSA", "P256"], key);
      }
      assert.match(String(result.outputs.certificatePem), /c-backend/);
      assert.match(String(result.outputs.caPem), /c-backend-ca/);
      assert.deepStrictEqual(result.secretOutputs, ["privateKeyPem"]);
    }
  });
});
