module.exports = require("./suites.cjs").e2e;
