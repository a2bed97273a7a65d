// The packages a module of the core loads at run time, found by walking its static imports (type-only
// imports are erased by Node's type stripping, so they load nothing and are skipped). Used by the
// boundary test: the pure stages must not load a Kubernetes or AWS client.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?"([^"]+)";/gm;
const DYNAMIC = /\bimport\(\s*"([^"]+)"\s*\)/g;

/** Every package (by name: `zod`, `@aws-sdk/client-eks`, `node:fs`) the module at `entry` loads. */
export function runtimePackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    const specifiers: string[] = [];
    for (const match of source.matchAll(IMPORT)) {
      const [, typeOnly, specifier] = match;
      if (!typeOnly && specifier && !/^\s*(?:import|export)\s+type\s/.test(match[0]))
        specifiers.push(specifier);
    }
    // a lazy import() loads only when called: a pure stage may name an adapter there, and does not
    for (const match of source.matchAll(DYNAMIC)) if (match[1]) specifiers.push(`lazy:${match[1]}`);
    for (const specifier of specifiers) {
      if (specifier.startsWith("lazy:")) continue;
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
      else
        packages.add(
          specifier.startsWith("@")
            ? specifier.split("/").slice(0, 2).join("/")
            : (specifier.split("/")[0] ?? specifier),
        );
    }
  };
  visit(resolve(entry));
  return packages;
}
