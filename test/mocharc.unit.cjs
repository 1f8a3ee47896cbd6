module.exports = require("./suites.cjs").unit;
