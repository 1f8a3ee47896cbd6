import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, imageReference, podSpecOf, workloadTypes } from "../../lib/kubernetes";
import { validateResourceOfTypes } from "../../lib/resource-types";
import { stringAt } from "../../lib/values";

export const kubernetesImageTagPinned: ResourceValidationPolicy = {
  name: "k8s-image-tag-pinned",
  description: "Container images name a version: a tag other than latest, or a digest; an image without either runs whatever latest is when a node pulls it.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes(workloadTypes, (props, args, reportViolation) => {
    for (const container of containersOf(podSpecOf(args.type, props) ?? {})) {
      const image = stringAt(container.spec.image);
      if (image === undefined) {
        continue;
      }
      const { tag, digest } = imageReference(image);
      if (digest === undefined && (tag === undefined || tag === "latest")) {
        reportViolation(`Container "${container.name}" image ${image} ${tag ? "uses the latest tag" : "has no tag"}; pin a version or a digest.`);
      }
    }
  }),
};
