import { describe, expect, it } from "vitest";
import { parseCommandText } from "../../command/index.ts";
import { undoCommandText } from "./undo.ts";

describe("undoCommandText", () => {
  it("writes an undo in the grammar, which reads back to the same verb and target", () => {
    const scale = undoCommandText({
      verb: "scale",
      target: { kind: "Deployment", namespace: "shop", name: "web" },
      params: { change: "3" },
    });
    expect(scale).toBe("scale shop/web 3");
    expect(parseCommandText(scale)).toMatchObject({
      command: { verb: "scale", change: { kind: "absolute", replicas: 3 } },
    });
    expect(
      undoCommandText({ verb: "uncordon", target: { kind: "Node", name: "ip-10-0-1-2" }, params: {} }),
    ).toBe("uncordon ip-10-0-1-2");
    expect(
      undoCommandText({
        verb: "scale",
        target: { kind: "StatefulSet", namespace: "db", name: "pg" },
        params: { change: "2" },
      }),
    ).toBe("scale db/statefulset/pg 2");
  });
});
