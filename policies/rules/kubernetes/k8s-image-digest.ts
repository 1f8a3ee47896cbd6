import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, imageReference, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const kubernetesImageDigest: ResourceValidationPolicy = {
  name: "k8s-image-digest",
  description:
    "Container images are pinned by digest (@sha256:...), so a re-pushed tag cannot change what runs. Advisory: a dev stack legitimately follows tags it rebuilds; prod's pack config makes it mandatory.",
  enforcementLevel: "advisory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    for (const container of containersOf(podSpecOf(args.type, props) ?? {})) {
      const image = stringAt(container.spec.image);
      if (image !== undefined && !/^sha256:[0-9a-f]{64}$/.test(imageReference(image).digest ?? "")) {
        reportViolation(`Container "${container.name}" image ${image} is not pinned by digest (@sha256:...).`);
      }
    }
  }),
};
