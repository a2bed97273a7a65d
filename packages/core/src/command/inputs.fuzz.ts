/**
 * Generated command lines for the property tests of the one grammar (command/parse.fuzz.test.ts) and of
 * the pipeline's command triggers (runtime/pipeline.fuzz.test.ts): valid command lines of every verb
 * with one part broken — an option's value, a positional word, an extra word, an option nobody or not
 * this command takes — each remembering what it broke, so a test can ask that the error names it.
 */
import fc from "fast-check";

/** Valid command lines, one or more per verb and with every option that checks its value. */
export const VALID_COMMAND_LINES: readonly (readonly string[])[] = [
  ["scale", "shop/checkout", "+2", "--min", "1", "--max", "20", "--current-replicas", "3"],
  ["scale", "shop/statefulset/db", "x1.5"],
  ["scale", "dev/web", "-1"],
  ["--dry-run", "--output", "json", "scale", "shop/checkout", "5"],
  ["restart", "shop/checkout"],
  ["rollback", "shop/checkout", "--to-revision", "3"],
  ["cordon", "i-0123456789abcdef0"],
  ["uncordon", "ip-10-0-1-23.ec2.internal"],
  [
    "drain",
    "i-0123456789abcdef0",
    "--timeout",
    "10m",
    "--grace-period",
    "30",
    "--skip-wait-for-delete-timeout",
    "60",
    "--delete-emptydir-data",
    "--force",
  ],
  ["status", "shop/checkout", "-o", "text"],
  ["history", "shop/checkout"],
  ["eks", "token", "--cluster", "prod", "--region", "eu-west-1"],
];

/** Options whose value the grammar checks (the others take any text: a path, a name, a region). */
const CHECKED_OPTIONS = new Set([
  "--min",
  "--max",
  "--current-replicas",
  "--to-revision",
  "--timeout",
  "--grace-period",
  "--skip-wait-for-delete-timeout",
  "--output",
  "-o",
]);

/** Options that take a value, so the word after one is not a positional. */
const VALUE_OPTIONS = new Set([...CHECKED_OPTIONS, "--cluster", "--region", "--kubeconfig", "--context"]);

/** What a broken command line broke: the error must name it. */
export type Broken =
  | { part: "option value"; option: string; value: string }
  | { part: "positional"; value: string }
  | { part: "extra word"; value: string }
  | { part: "unknown option"; option: string }
  | { part: "option not taken"; option: string };

export interface BrokenCommandLine {
  argv: string[];
  broken: Broken;
}

/** Words a person might type: not an option (a leading `-` is a case of its own), any unicode. */
const wordArb = fc
  .oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: "grapheme", maxLength: 12 }),
    fc.constantFrom("", "0", "+0", "x0", "x", "1e3", "0x10", "3.5", "NaN", "__proto__", "toString"),
    fc.constantFrom("Shop/checkout", "shop/", "/checkout", "a/b/c/d", "i-12", "i-0123456789ABCDEF0"),
    fc.integer({ min: 2_147_483_648, max: Number.MAX_SAFE_INTEGER }).map(String),
  )
  .filter((word) => !word.startsWith("-"));

function positionalIndexes(argv: readonly string[]): number[] {
  const indexes: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word.startsWith("-")) {
      if (VALUE_OPTIONS.has(word)) i++;
      continue;
    }
    // a negative scale change is a positional too
    indexes.push(i);
  }
  const negatives = argv.flatMap((word, i) =>
    /^-\d+$/.test(word) && !VALUE_OPTIONS.has(argv[i - 1] ?? "") ? [i] : [],
  );
  return [...indexes, ...negatives];
}

function optionValueIndexes(argv: readonly string[]): number[] {
  return argv.flatMap((word, i) => (CHECKED_OPTIONS.has(word) && i + 1 < argv.length ? [i + 1] : []));
}

const OPTIONS_SOME_COMMAND_TAKES = ["--force", "--max", "--to-revision", "--timeout", "--event", "--offline"];

const OPTION_NAME_ARB = fc.stringMatching(/^[a-z]{1,10}$/);

/** The ways to break one valid command line (built once per line: building arbitraries is not cheap). */
function breakingsOf(line: readonly string[]): fc.Arbitrary<BrokenCommandLine> {
  const argv = [...line];
  const insertable = Array.from({ length: argv.length + 1 }, (_, i) => i).filter(
    (i) => !VALUE_OPTIONS.has(argv[i - 1] ?? ""),
  );
  const choices: fc.Arbitrary<BrokenCommandLine>[] = [
    fc.tuple(fc.constantFrom(...positionalIndexes(argv)), wordArb).map(([i, value]) => {
      const copy = [...argv];
      copy[i] = value;
      return { argv: copy, broken: { part: "positional", value } };
    }),
    wordArb.map((value) => ({ argv: [...argv, value], broken: { part: "extra word", value } })),
    // not between an option and its value: that would be a missing value, a break of its own
    fc.tuple(fc.constantFrom(...insertable), OPTION_NAME_ARB).map(([i, name]) => {
      const option = `--zz${name}`;
      return {
        argv: [...argv.slice(0, i), option, ...argv.slice(i)],
        broken: { part: "unknown option", option },
      };
    }),
    fc
      .constantFrom(...OPTIONS_SOME_COMMAND_TAKES.filter((option) => !argv.includes(option)))
      .map((option) => {
        const takesValue = option !== "--force" && option !== "--offline";
        return {
          argv: [...argv, option, ...(takesValue ? ["1"] : [])],
          broken: { part: "option not taken", option },
        };
      }),
  ];
  const values = optionValueIndexes(argv);
  if (values.length > 0) {
    choices.push(
      fc
        .tuple(fc.constantFrom(...values), fc.oneof(wordArb, fc.integer({ min: -1000, max: -1 }).map(String)))
        .map(([i, value]) => {
          const copy = [...argv];
          copy[i] = value;
          return { argv: copy, broken: { part: "option value", option: argv[i - 1] as string, value } };
        }),
    );
  }
  return fc.oneof(...choices);
}

export const brokenCommandLineArb: fc.Arbitrary<BrokenCommandLine> = fc.oneof(
  ...VALID_COMMAND_LINES.map(breakingsOf),
);

/** The words of a command line written as Slack text, when it can be (no word empty or with a space). */
export function asText(argv: readonly string[]): string | undefined {
  if (argv.some((word) => word === "" || /\s/.test(word))) return undefined;
  return argv.join(" ");
}

/** Command text as a person could type it in Slack: broken command lines and arbitrary text. */
export const commandTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: brokenCommandLineArb.map(({ argv }) => argv.join(" ")) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.array(wordArb, { maxLength: 6 }).map((words) => words.join(" ")) },
);

/**
 * Whether a usage error's message names what was broken: the option (`--max`), or the word as given
 * (quoted, or for a command word as it is), or, for a missing word, what the command needs.
 */
export function namesBrokenPart(message: string, broken: Broken): boolean {
  switch (broken.part) {
    case "option value":
      // -o may be named as typed or by its long name
      return message.includes(broken.option) || (broken.option === "-o" && message.includes("--output"));
    case "unknown option":
    case "option not taken":
      return message.includes(broken.option);
    case "positional":
    case "extra word": {
      const value = broken.value;
      if (value.trim() === "") return /\bneeds\b/.test(message) || message.includes(`'${value}'`);
      return message.includes(`'${value}'`) || message.includes(value);
    }
  }
}
