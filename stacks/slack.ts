/**
 * Slack notifications: the bot token, kept as an SST secret (encrypted in SST's state and injected
 * into the linked functions, never in the function's plain environment). Set it before the first
 * deploy of a stage:
 *
 *   npx sst secret set SlackBotToken xoxb-... --stage prod
 *
 * Created only when homeostat.config.ts has a `slack` section (its `channel` and `routes` say where
 * results go; the config is the one place for that); without it Homeostat still records every result
 * and publishes it on its bus, and deploys no notify function (stacks/notify.ts). The interactive
 * endpoint for Undo/Approve buttons and slash commands (a function URL verified with the signing
 * secret) is not deployed yet: it comes with its handler.
 */
export function createSlackBotToken(slackConfigured: boolean): sst.Secret | undefined {
  return slackConfigured ? new sst.Secret("SlackBotToken") : undefined;
}
