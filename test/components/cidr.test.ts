import * as assert from "assert";
import { isPrivateCidr, parseCidr, subnetCidr } from "../../components/cidr";

describe("cidr", () => {
  it("carves subnets like cidrsubnet()", () => {
    assert.strictEqual(subnetCidr("10.20.0.0/16", 4, 0), "10.20.0.0/20");
    assert.strictEqual(subnetCidr("10.20.0.0/16", 4, 2), "10.20.32.0/20");
    assert.strictEqual(subnetCidr("10.20.0.0/16", 2, 3), "10.20.192.0/18");
  });

  it("refuses subnets that do not fit", () => {
    assert.throws(() => subnetCidr("10.0.0.0/16", 2, 4), /cannot carve subnet 4/);
  });

  it("rejects malformed ranges and set host bits", () => {
    assert.throws(() => parseCidr("10.0.0.0"), /not an IPv4 CIDR/);
    assert.throws(() => parseCidr("300.0.0.0/8"), /not an IPv4 CIDR/);
    assert.throws(() => parseCidr("10.0.0.1/16"), /did you mean 10\.0\.0\.0\/16/);
  });

  it("recognizes RFC 1918 ranges", () => {
    assert.ok(isPrivateCidr("172.16.0.0/16"));
    assert.ok(!isPrivateCidr("172.32.0.0/16"));
    assert.ok(!isPrivateCidr("10.0.0.0/7"));
  });
});
