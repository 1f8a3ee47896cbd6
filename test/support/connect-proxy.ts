import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { AddressInfo, connect, Socket } from "node:net";

// A corporate egress proxy on loopback: CONNECT tunnels for https upstreams,
// absolute-form requests for http ones. Whatever host a client names, the
// proxy connects to that port on 127.0.0.1, so tests can use names that need
// no DNS and that Go's rules would not exempt from proxying as they do
// loopback addresses.

export interface ConnectProxy {
  /** http://127.0.0.1:<port> (https:// with `tls`), to put in HTTPS_PROXY or HTTP_PROXY. */
  url: string;
  /** The "host:port" of every CONNECT, answered or refused. */
  connects: string[];
  /** The URL of every absolute-form request, answered or refused. */
  forwarded: string[];
  /** The Proxy-Authorization of every CONNECT and absolute-form request, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** Required Basic credentials; requests without them get 407. */
  credentials?: { user: string; password: string };
  /** Clients reach the proxy itself over TLS with this certificate. */
  tls?: { certFile: string; keyFile: string };
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const expected = options.credentials && `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString("base64")}`;
  const tunnels = new Set<Socket>();
  const proxy: ConnectProxy = {
    url: "",
    connects: [],
    forwarded: [],
    authorizations: [],
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of tunnels) s.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  const allowed = (req: http.IncomingMessage) => {
    proxy.authorizations.push(req.headers["proxy-authorization"]);
    return expected === undefined || req.headers["proxy-authorization"] === expected;
  };

  const handler: http.RequestListener = (req, res) => {
    const target = URL.canParse(req.url ?? "") ? new URL(req.url as string) : undefined;
    if (target === undefined) {
      res.writeHead(400).end("absolute-form requests only\n");
      return;
    }
    proxy.forwarded.push(target.href);
    if (!allowed(req)) {
      res.writeHead(407, { "Proxy-Authenticate": 'Basic realm="egress"' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const onward = http.request(
      { host: "127.0.0.1", port: Number(target.port || 80), path: target.pathname + target.search, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    onward.on("error", () => res.destroy());
    req.pipe(onward);
  };
  const server = options.tls
    ? https.createServer({ cert: await fs.readFile(options.tls.certFile), key: await fs.readFile(options.tls.keyFile) }, handler)
    : http.createServer(handler);

  server.on("connect", (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    proxy.connects.push(req.url ?? "");
    tunnels.add(client);
    client.on("close", () => tunnels.delete(client));
    client.on("error", () => client.destroy());
    if (!allowed(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="egress"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const port = Number(/:(\d+)$/.exec(req.url ?? "")?.[1]);
    const onward = connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) onward.write(head);
      onward.pipe(client);
      client.pipe(onward);
    });
    tunnels.add(onward);
    onward.on("close", () => {
      tunnels.delete(onward);
      client.destroy();
    });
    onward.on("error", () => client.destroy());
    client.on("close", () => onward.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `${options.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
