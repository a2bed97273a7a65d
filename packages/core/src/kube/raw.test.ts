import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import { apiUrl, listPage, parseJsonObject } from "./raw.ts";

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue());

describe("apiUrl", () => {
  it("joins the server and the path, keeping a path prefix on the server", () => {
    expect(apiUrl("https://k8s.example.com", "/apis/apps/v1/namespaces/shop/deployments/web")).toBe(
      "https://k8s.example.com/apis/apps/v1/namespaces/shop/deployments/web",
    );
    expect(apiUrl("https://rancher.example.com/k8s/clusters/c-1/", "/api/v1/nodes")).toBe(
      "https://rancher.example.com/k8s/clusters/c-1/api/v1/nodes",
    );
  });

  it("encodes query values and leaves undefined ones out", () => {
    const url = new URL(
      apiUrl("https://127.0.0.1:6443", "/apis/apps/v1/namespaces/shop/replicasets", {
        labelSelector: "app=web,tier in (a,b),!canary",
        limit: 500,
        continue: undefined,
      }),
    );
    expect(url.searchParams.get("labelSelector")).toBe("app=web,tier in (a,b),!canary");
    expect(url.searchParams.get("limit")).toBe("500");
    expect(url.searchParams.has("continue")).toBe(false);
  });

  it("round-trips any query value", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (value, name) => {
        const url = new URL(apiUrl("https://h", "/p", { [name]: value }));
        expect(url.searchParams.get(name)).toBe(value);
      }),
    );
  });
});

describe("parseJsonObject", () => {
  it("returns every field of any JSON object, as sent", () => {
    fc.assert(
      fc.property(jsonObject, (object) => {
        expect(parseJsonObject(JSON.stringify(object), "x")).toStrictEqual(
          JSON.parse(JSON.stringify(object)),
        );
      }),
    );
  });

  it("says when the answer is not a JSON object", () => {
    for (const text of ["<html>proxy error</html>", "[1,2]", "null", "42", ""]) {
      try {
        parseJsonObject(text, "deployment shop/web");
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(KubeVerbError);
        expect((error as KubeVerbError).code).toBe("failed");
        expect((error as KubeVerbError).message).toContain("deployment shop/web");
        expect((error as KubeVerbError).message).toContain("Kubernetes API server");
      }
    }
  });
});

describe("listPage", () => {
  it("passes the items through untouched and finds the continue token", () => {
    fc.assert(
      fc.property(fc.array(jsonObject), fc.option(fc.string()), (items, token) => {
        const page = {
          kind: "ReplicaSetList",
          metadata: token === null ? {} : { continue: token, resourceVersion: "7" },
          items,
        };
        const result = listPage(page, "x");
        expect(result.items).toBe(items);
        expect(result.continueToken).toBe(token === null || token === "" ? undefined : token);
      }),
    );
  });

  it("treats missing or null items as an empty list and refuses what is not a list", () => {
    expect(listPage({ kind: "List", items: null }, "x").items).toEqual([]);
    expect(listPage({ kind: "List" }, "x").items).toEqual([]);
    expect(() => listPage({ items: "nope" }, "replicasets of deployment shop/web")).toThrow(
      /list for replicasets of deployment shop\/web is not a Kubernetes list/,
    );
    expect(() => listPage({ items: [1, 2] }, "x")).toThrow(KubeVerbError);
  });
});
