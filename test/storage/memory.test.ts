import { MemoryStorage } from "../../proxy-app/src/storage/memory";
import { describeStorageConformance } from "./conformance";

describeStorageConformance("memory", async () => ({ storage: new MemoryStorage(), cleanup: async () => undefined }));
