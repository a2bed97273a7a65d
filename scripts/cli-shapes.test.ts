import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_DOC, documentedShapes, renderShapes } from "./cli-shapes.ts";

describe("docs/cli.md", () => {
  it("shows the JSON shapes the schemas define (npm run docs:cli writes them)", () => {
    expect(documentedShapes(readFileSync(CLI_DOC, "utf8"))).toBe(renderShapes());
  });

  it("is linked from the README", () => {
    expect(readFileSync(resolve(import.meta.dirname, "../README.md"), "utf8")).toContain("(docs/cli.md)");
  });
});
