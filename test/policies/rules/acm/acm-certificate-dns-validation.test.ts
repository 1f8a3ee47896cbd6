import * as assert from "node:assert/strict";
import { acmCertificateDnsValidation } from "../../../../policies/rules/acm/acm-certificate-dns-validation";
import { messages, resource } from "../../helpers";

describe("acm-certificate-dns-validation", () => {
  it("passes DNS-validated and private-CA certificates", async () => {
    const dns = resource("aws:acm/certificate:Certificate", "public", { domainName: "goproxy.example.com", validationMethod: "DNS" });
    const privateCa = resource("aws:acm/certificate:Certificate", "private", {
      domainName: "goproxy.example.internal",
      certificateAuthorityArn: "arn:aws:acm-pca:ca",
    });
    assert.deepEqual(await messages(acmCertificateDnsValidation, [dns, privateCa]), []);
  });
  it("reports an imported certificate unless config allows it", async () => {
    const imported = resource("aws:acm/certificate:Certificate", "dev", { certificateBody: "-----BEGIN CERTIFICATE-----", privateKey: "k" });
    assert.deepEqual(await messages(acmCertificateDnsValidation, [imported]), [
      "The certificate is imported, so ACM neither validates nor renews it: request a DNS-validated one, or set allowImportedCertificates.",
    ]);
    assert.deepEqual(await messages(acmCertificateDnsValidation, [imported], { "acm-certificate-dns-validation": { allowImportedCertificates: true } }), []);
  });
  it("reports email validation", async () => {
    const email = resource("aws:acm/certificate:Certificate", "public", { domainName: "goproxy.example.com", validationMethod: "EMAIL" });
    assert.deepEqual(await messages(acmCertificateDnsValidation, [email]), ["validationMethod is EMAIL; use DNS."]);
  });
});
