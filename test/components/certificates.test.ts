import * as assert from "assert";
import { Certificates } from "../../components/certificates";
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
    assert.strictEqual(ofType(result, "tls:index/privateKey:PrivateKey").length, 0);
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
    assert.strictEqual(keys.length, 2);
    assert.ok(keys.every((k) => k.inputs.algorithm === "ECDSA" && k.inputs.ecdsaCurve === "P256"));
    assert.strictEqual(one(result, "tls:index/selfSignedCert:SelfSignedCert").inputs.isCaCertificate, true);
    const server = one(result, "tls:index/locallySignedCert:LocallySignedCert");
    assert.deepStrictEqual(server.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
    assert.deepStrictEqual(one(result, "tls:index/certRequest:CertRequest").inputs.dnsNames, ["goproxy.dev.example.com"]);
    const imported = one(result, "aws:acm/certificate:Certificate");
    assert.match(String(imported.inputs.privateKey), /BEGIN PRIVATE KEY[\s\S]*c-server-key/);
    assert.ok(isSecretAt(imported, "privateKey"), "the imported key is encrypted in the stack's state");
    assert.match(String(imported.inputs.certificateChain), /c-ca/);
  });
});
