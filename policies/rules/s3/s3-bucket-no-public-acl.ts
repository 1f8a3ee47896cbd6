import { ResourceValidationPolicy } from "@pulumi/policy";
import { types, validateResourceOfTypes } from "../../lib/resource-types";
import { arrayAt, recordAt, stringAt } from "../../lib/values";

const publicCannedAcls = ["public-read", "public-read-write", "authenticated-read"];
const publicGroups = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

export const s3BucketNoPublicAcl: ResourceValidationPolicy = {
  name: "s3-bucket-no-public-acl",
  description:
    "Buckets and BucketAcls grant nothing to everyone or to every AWS account: no public-read, public-read-write or authenticated-read canned ACL, no grant to the AllUsers or AuthenticatedUsers groups.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfTypes([...types.bucket, ...types.bucketAcl], (props, _args, reportViolation) => {
    const acl = stringAt(props.acl);
    if (acl !== undefined && publicCannedAcls.includes(acl)) {
      reportViolation(`The canned ACL ${acl} makes the bucket's contents public; leave ACLs off (BucketOwnerEnforced).`);
    }
    // Inline grants on a bucket, or the access control policy of a BucketAcl.
    const grantees = [
      ...arrayAt(props.grants).map((grant) => stringAt(recordAt(grant).uri)),
      ...arrayAt(recordAt(props.accessControlPolicy).grants).map((grant) => stringAt(recordAt(recordAt(grant).grantee).uri)),
    ];
    for (const group of grantees.filter((uri): uri is string => uri !== undefined && publicGroups.includes(uri))) {
      reportViolation(`A grant to ${group.split("/").pop()} makes the bucket public; leave ACLs off (BucketOwnerEnforced).`);
    }
  }),
};
