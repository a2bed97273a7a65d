import { describe, expect, it } from "vitest";
import { RESTARTED_AT_ANNOTATION, restartedAtTimestamp, restartPatch } from "./restart.ts";

describe("restart", () => {
  it("stamps RFC 3339 to the second, like kubectl", () => {
    expect(restartedAtTimestamp(new Date("2025-03-04T05:06:07.891Z"))).toBe("2025-03-04T05:06:07Z");
  });

  it("patches only the template annotation", () => {
    expect(restartPatch("2025-03-04T05:06:07Z")).toEqual({
      spec: {
        template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: "2025-03-04T05:06:07Z" } } },
      },
    });
  });
});
