import { describe, expect, it } from "vitest";
import { isoToRfc3339, rfc1123ToRfc3339 } from "./time.ts";

describe("time formats", () => {
  it.each([
    ["2019-10-01T13:56:40.987+0000", "2019-10-01T13:56:40.987Z"],
    ["2019-10-01T13:56:40Z", "2019-10-01T13:56:40.000Z"],
    ["2019-10-01T15:56:40.1+02:00", "2019-10-01T13:56:40.100Z"],
    ["2019-10-01T13:56:40.123456789-0130", "2019-10-01T15:26:40.123Z"],
  ])("ISO %s → %s", (text, expected) => {
    expect(isoToRfc3339(text)).toBe(expected);
  });

  it.each([
    "2019-02-29T00:00:00Z",
    "2019-10-01T24:00:00Z",
    "2019-10-01 13:56:40Z",
    "2019-10-01T13:56:40",
    "",
  ])("ISO %j is rejected", (text) => {
    expect(isoToRfc3339(text)).toBeUndefined();
  });

  it.each([
    ["Sat, 05 Jun 2016 15:10:09 GMT", "2016-06-05T15:10:09.000Z"],
    ["Fri, 15 Mar 2024 14:00:00 GMT", "2024-03-15T14:00:00.000Z"],
    ["Mon, 1 Jan 2024 00:00:00 GMT", "2024-01-01T00:00:00.000Z"],
  ])("RFC 1123 %s → %s", (text, expected) => {
    expect(rfc1123ToRfc3339(text)).toBe(expected);
  });

  it.each([
    "Fri, 30 Feb 2024 14:00:00 GMT",
    "15 Mar 2024 14:00:00 GMT",
    "Fri, 15 Mar 2024 14:00:00 PST",
    "soon",
  ])("RFC 1123 %j is rejected", (text) => {
    expect(rfc1123ToRfc3339(text)).toBeUndefined();
  });
});
