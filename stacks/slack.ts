/**
 * Slack notifications: the bot token, kept as an SST secret (encrypted in SST's state and injected
 * into the linked functions, never in the function's plain environment). Set it before the first
 * deploy of a stage:
 *
 *   npx sst secret set SlackBotToken xoxb-... --stage prod
 *
 * Created only when HOMEOSTAT_SLACK_CHANNEL names the channel to post to; without it Homeostat still
 * records every result and publishes it on its bus. The interactive endpoint for Undo/Approve buttons
 * and slash commands (a function URL verified with the signing secret) is not deployed yet: it comes
 * with its handler.
 */
export function createSlackBotToken(slackChannel: string | undefined): sst.Secret | undefined {
  return slackChannel ? new sst.Secret("SlackBotToken") : undefined;
}
