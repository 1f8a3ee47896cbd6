import * as net from "node:net";

// A server on loopback that accepts connections and never says a word: an
// upstream behind a firewall that drops packets, as the proxy sees it once
// connected. Only its timeout gets the proxy out.

export interface BlackHole {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<net.Socket>();
  const hole: BlackHole = {
    url: "",
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((socket) => {
    hole.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // The proxy giving up resets the connection; that is expected here.
    socket.on("error", () => {});
    // Read and drop what the proxy sends, so its writes never block.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hole.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return hole;
}
