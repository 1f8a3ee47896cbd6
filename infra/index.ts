/** Entry point for `pulumi up`: reads the stack config and builds the stack. */
import { parseConfig, runtimeConfigSource } from "./config";
import { createModproxy } from "./program";

// Config is read as plain strings (no plaintext warning for secrets); the program re-wraps the secret ones.
export = createModproxy(parseConfig(runtimeConfigSource()));
