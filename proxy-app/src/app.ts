import http from "node:http";
import { AddressInfo } from "node:net";
import { ProxyConfig } from "./config";
import { ProxyMetrics } from "./metrics";
import { ModuleService } from "./module-service";
import { createRequestHandler } from "./server";
import { storageFromConfig } from "./storage/from-config";
import { upstreamFromList } from "./upstream/chain";

export interface RunningProxy {
  /** Base URL to put in GOPROXY, e.g. "http://127.0.0.1:3000". */
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

/** Wires storage, upstreams and the HTTP server together and starts listening. */
export async function startProxy(config: ProxyConfig, log: (msg: string) => void = () => {}): Promise<RunningProxy> {
  const storage = await storageFromConfig(config);
  const upstream = upstreamFromList(config.upstream, config.upstreamTimeoutMs);
  const metrics = new ProxyMetrics();
  const service = new ModuleService(storage, upstream, metrics, log);
  const server = http.createServer(createRequestHandler({ service, storage, metrics, log }));
  // Slow clients may take long over a large zip, but an idle keep-alive socket should not pin a worker.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
