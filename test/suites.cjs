// Which test files need system tools (go, git, moto, buildah/podman, npm and tar, test
// servers built with go) and so belong to `npm run test:e2e`; the rest are
// `npm run test:unit`, seconds and node alone. `npm test` runs both.
const base = require("../.mocharc.json");

const needsTools = [
  "test/e2e/**/*.test.ts",
  "test/container/**/*.test.ts",
  "test/storage/s3.test.ts",
  "test/storage/pod-identity.test.ts",
  "test/proxy/auth.test.ts",
  "test/proxy/cli.test.ts",
  "test/proxy/go-direct.test.ts",
  "test/proxy/private-patterns.test.ts",
  "test/proxy/sumdb.test.ts",
  "test/verify/module-zip.test.ts",
  "test/verify/sumdb-verify.test.ts",
  "test/policies/check.test.ts",
  "test/policies/engine.test.ts",
  "test/infra/admission.test.ts",
  "test/infra/manifests.test.ts",
  "test/monitoring/metric-names.test.ts",
  "test/package/blueprint-package.test.ts",
];

module.exports = {
  unit: { ...base, ignore: needsTools },
  e2e: { ...base, spec: needsTools },
};
