/**
 * The body of the modproxy stack: wires the components together from a validated config.
 * `index.ts` runs it for `pulumi up`; `synth.ts` runs it under mocks.
 */
import { Network } from "../components/network";
import { ModproxyConfig } from "./config";

export function createModproxy(config: ModproxyConfig) {
    const tags = { "modproxy:environment": config.environment, "managed-by": "pulumi" };
    const network = new Network("modproxy", {
        region: config.region,
        cidrBlock: config.vpcCidr,
        availabilityZones: config.availabilityZones,
        azCount: config.azCount,
        natGateways: config.natGateways,
        tags,
    });
    return { vpcId: network.vpcId };
}
