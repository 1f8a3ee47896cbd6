// Preloaded (node --require) into a command the store benchmark measures: at
// exit it writes the process's peak resident set size, in KiB, to fd 3.
"use strict";
const fs = require("node:fs");

process.on("exit", () => {
  try {
    fs.writeSync(3, `${process.resourceUsage().maxRSS}\n`);
  } catch {
    // Not run by the benchmark: nobody listens on fd 3.
  }
});
