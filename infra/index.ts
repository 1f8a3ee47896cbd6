/** Entry point for `pulumi up`: reads the stack config and builds the stack. */
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "./config";
import { createModproxy } from "./program";

// runtime.getConfig reads secrets without the plaintext warning; the program re-wraps them as secrets.
const config = parseConfig((key) => pulumi.runtime.getConfig(key));

export = createModproxy(config);
