const compiled = new Map<string, RegExp>();

/** Whether `text` matches `pattern` in full: `*` matches any run of characters (also none), `?` one. */
export function matchesGlob(pattern: string, text: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const source = pattern
      .split("")
      .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${source}$`, "s");
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex.test(text);
}

export function isGlob(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

export function matchesAnyGlob(patterns: readonly string[], text: string): boolean {
  return patterns.some((pattern) => matchesGlob(pattern, text));
}
