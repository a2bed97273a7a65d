// Slack's slash commands (a function URL) and their asynchronous runs → the pipeline. See functions/README.md.
import { createSlackHandler } from "./slack-middleware.ts";

export const handler = createSlackHandler();
