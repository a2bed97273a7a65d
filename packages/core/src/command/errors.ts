import { KubeVerbError } from "../domain/errors.ts";
import type { CommandName } from "./types.ts";

/** A command line that does not follow the grammar; `topic` names the command whose usage applies. */
export class UsageError extends KubeVerbError {
  readonly topic: CommandName | undefined;
  constructor(message: string, topic?: CommandName) {
    super("invalid", message);
    this.topic = topic;
  }
}
