import * as assert from "node:assert/strict";
import { tlsPrivateKeyStrength } from "../../../../policies/rules/tls/tls-private-key-strength";
import { messages, resource } from "../../helpers";

describe("tls-private-key-strength", () => {
  const key = (inputs: Record<string, unknown>) => resource("tls:index/privateKey:PrivateKey", "ca", inputs);
  it("passes RSA 2048+ (including the provider default) and ECDSA P-256/P-384", async () => {
    assert.deepEqual(
      await messages(tlsPrivateKeyStrength, [
        key({ algorithm: "RSA" }),
        key({ algorithm: "RSA", rsaBits: 4096 }),
        key({ algorithm: "ECDSA", ecdsaCurve: "P384" }),
      ]),
      [],
    );
  });
  it("reports short RSA, the default P-224 curve and ED25519", async () => {
    assert.deepEqual(
      await messages(tlsPrivateKeyStrength, [key({ algorithm: "RSA", rsaBits: 1024 }), key({ algorithm: "ECDSA" }), key({ algorithm: "ED25519" })]),
      [
        "RSA key of 1024 bits is below the minimum of 2048.",
        "ECDSA curve P224 is not one of P256, P384.",
        "Algorithm ED25519 is not allowed; use RSA or ECDSA.",
      ],
    );
  });
  it("honours a raised RSA minimum from config", async () => {
    assert.deepEqual(
      await messages(tlsPrivateKeyStrength, [key({ algorithm: "RSA", rsaBits: 2048 })], { "tls-private-key-strength": { minimumRsaBits: 3072 } }),
      ["RSA key of 2048 bits is below the minimum of 3072."],
    );
  });
});
