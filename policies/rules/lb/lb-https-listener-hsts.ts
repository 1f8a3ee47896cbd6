import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

const ONE_YEAR = 31_536_000;

export const loadBalancerHttpsListenerHsts: ResourceValidationPolicy = {
  name: "lb-https-listener-hsts",
  description:
    "HTTPS listeners add a Strict-Transport-Security header (routingHttpResponseStrictTransportSecurityHeaderValue) whose max-age is at least the minimum, so clients that reached the proxy over HTTPS never fall back to plain HTTP, where a redirect can be intercepted.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minimumMaxAgeSeconds: { type: "integer", minimum: 0, default: ONE_YEAR, description: "Smallest max-age accepted, in seconds." },
    },
  },
  validateResource: validateResourceOfTypes(types.listener, (props, args, reportViolation) => {
    // HTTPS is the one protocol whose listener answers HTTP itself; TLS listeners pass bytes on.
    if (props.protocol !== "HTTPS") {
      return;
    }
    const { minimumMaxAgeSeconds } = args.getConfig<{ minimumMaxAgeSeconds: number }>();
    const header = stringAt(props.routingHttpResponseStrictTransportSecurityHeaderValue);
    if (header === undefined) {
      reportViolation("The HTTPS listener sends no Strict-Transport-Security header.");
      return;
    }
    const maxAge = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)/i.exec(header)?.[1];
    if (maxAge === undefined || Number(maxAge) < minimumMaxAgeSeconds) {
      reportViolation(`Strict-Transport-Security "${header}" keeps clients on HTTPS for less than ${minimumMaxAgeSeconds} seconds.`);
    }
  }),
};
