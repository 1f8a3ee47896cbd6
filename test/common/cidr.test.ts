import * as assert from "assert";
import { containsCidr, isInternetWide, isPrivateCidr, parseCidr, subnetCidr } from "../../common/cidr";

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

  it("tells whether one range lies inside another", () => {
    assert.ok(containsCidr("128.0.0.0/1", "169.254.0.0/16"));
    assert.ok(containsCidr("169.254.0.0/16", "169.254.0.0/16"));
    assert.ok(!containsCidr("0.0.0.0/1", "169.254.0.0/16"));
    assert.ok(!containsCidr("169.254.0.0/16", "169.254.0.0/15"));
  });

  it("recognizes RFC 1918 ranges", () => {
    assert.ok(isPrivateCidr("172.16.0.0/16"));
    assert.ok(!isPrivateCidr("172.32.0.0/16"));
    assert.ok(!isPrivateCidr("10.0.0.0/7"));
  });

  it("treats ranges wider than the widest private range as the internet", () => {
    for (const wide of ["0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "64.0.0.0/2", "::/0", "2000::/3", "8000::/1"]) {
      assert.ok(isInternetWide(wide), wide);
    }
    for (const narrow of ["10.0.0.0/8", "203.0.113.0/24", "1.2.3.4/32", "fc00::/7", "2001:db8::/32", "not-a-cidr", "0.0.0.0"]) {
      assert.ok(!isInternetWide(narrow), narrow);
    }
  });
});
