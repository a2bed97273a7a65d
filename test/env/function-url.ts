/**
 * A Lambda function URL on loopback, for tests: each HTTP request becomes the event a function URL
 * delivers (payload format 2.0; the body base64-encoded unless its content type is text or JSON, as
 * function URLs do), the real handler runs, and its result becomes the HTTP answer.
 *
 * @example
 * const url = await serveFunctionUrl((event) => handler(event, context));
 * await fetch(url.url, { method: "POST", body });
 * await url.close();
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export type FunctionUrlHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined>;

const TEXT_TYPES = /^(text\/|application\/json)/;

export async function serveFunctionUrl(
  handler: FunctionUrlHandler,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers[name] = value;
    }
    const base64 = !TEXT_TYPES.test(headers["content-type"] ?? "");
    const url = new URL(req.url ?? "/", "http://function-url");
    const now = new Date();
    const event: APIGatewayProxyEventV2 = {
      version: "2.0",
      routeKey: "$default",
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ""),
      headers,
      requestContext: {
        accountId: "anonymous",
        apiId: "local",
        domainName: headers.host ?? "localhost",
        domainPrefix: "local",
        http: {
          method: req.method ?? "GET",
          path: url.pathname,
          protocol: "HTTP/1.1",
          sourceIp: req.socket.remoteAddress ?? "",
          userAgent: headers["user-agent"] ?? "",
        },
        requestId: crypto.randomUUID(),
        routeKey: "$default",
        stage: "$default",
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(raw.length > 0 ? { body: raw.toString(base64 ? "base64" : "utf8") } : {}),
      isBase64Encoded: base64 && raw.length > 0,
    };
    try {
      const result = await handler(event);
      const structured = typeof result === "object" ? result : { statusCode: 200, body: result ?? "" };
      res.writeHead(structured.statusCode ?? 200, { ...(structured.headers as Record<string, string>) });
      res.end(structured.body ?? "");
    } catch (error) {
      // a function that throws answers 502 through a function URL
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "Internal Server Error", error: String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
