// Slack. The notify sink's messages (Block Kit and the same as text), incident threads, and the notify
// run fed by the result bus; and the command endpoint (verify, read, ack, hand over; the run is loaded
// by the endpoint when a job arrives), authorization from Slack identity, and the app manifest. Only
// what the ack needs is exported from the endpoint's side, so importing this module loads no cluster or
// state client.
export type { MessageButton, MessageList, MessageOptions, ResultMessage, ResultStatus } from "./message.ts";
export { alarmReasonInWords, resultMessage, statusOf, triggerInWords } from "./message.ts";
export { sampleRecords } from "./samples.ts";
export { renderMessageText, renderResultText } from "./text.ts";
export type { SlackAckDeps } from "./ack.ts";
export { answerSlackRequest } from "./ack.ts";
export type { Authorization, CommandScope, SlackRequester } from "./authorize.ts";
export { authorize, groupsNamed } from "./authorize.ts";
export type { SlackRunDeps, SlackRunOutcome } from "./commands.ts";
export type { SlackDepsOptions } from "./deps.ts";
export { buildSlackDeps, SLACK_ENV } from "./deps.ts";
export type { SlackDirectory, WebApiDirectoryOptions } from "./directory.ts";
export type { DispatchJob, SlackJob } from "./dispatch.ts";
export { lambdaDispatcher, slackJobSchema } from "./dispatch.ts";
export type { SlackEndpointDeps } from "./endpoint.ts";
export { handleSlackEvent, SlackEventError } from "./endpoint.ts";
export type { ManifestOptions } from "./manifest.ts";
export { BOT_SCOPES, ManifestError, slackAppManifest } from "./manifest.ts";
export type { SlackReading } from "./reading.ts";
export { readSlackText, slackUsage } from "./reading.ts";
export type { FunctionUrlEvent, FunctionUrlResult, SlackInteraction } from "./request.ts";
export { isFunctionUrlEvent, rawRequestOf, readInteraction } from "./request.ts";
export type { Respond, SlackReply } from "./respond.ts";
export type { Verification, VerifyInput } from "./verify.ts";
export { SIGNATURE_WINDOW_SECONDS, verifySlackSignature } from "./verify.ts";
