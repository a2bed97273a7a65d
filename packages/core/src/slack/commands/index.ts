// The /homeostat endpoint: verify, read, ack, hand over (the run is loaded by the endpoint when a job
// arrives), authorization from Slack identity, undo, and the app manifest. It sits above the runtime:
// it runs commands through the pipeline. Only what the ack needs is exported here, so importing this
// module loads no cluster or state client.
export type { SlackAckDeps } from "./ack.ts";
export { answerSlackRequest } from "./ack.ts";
export type { Authorization, CommandScope, SlackRequester } from "./authorize.ts";
export { authorize, groupsNamed } from "./authorize.ts";
export type { SlackDepsOptions } from "./deps.ts";
export { buildSlackDeps } from "./deps.ts";
export type { SlackDirectory, WebApiDirectoryOptions } from "./directory.ts";
export type { DispatchJob, SlackJob } from "./dispatch.ts";
export { lambdaDispatcher, openJob, sealJob, slackJobSchema } from "./dispatch.ts";
export type { SlackEndpointDeps } from "./endpoint.ts";
export { handleSlackEvent, SlackEventError } from "./endpoint.ts";
export type { ManifestOptions } from "./manifest.ts";
export { BOT_SCOPES, ManifestError, slackAppManifest } from "./manifest.ts";
export type { SlackReading } from "./reading.ts";
export { readSlackText, slackUsage } from "./reading.ts";
export type { FunctionUrlEvent, FunctionUrlResult, SlackInteraction } from "./request.ts";
export { isFunctionUrlEvent, rawRequestOf, readInteraction } from "./request.ts";
export type { Respond, SlackReply } from "./respond.ts";
export type { SlackRunDeps, SlackRunOutcome } from "./run.ts";
export type { Verification, VerifyInput } from "./verify.ts";
export { SIGNATURE_WINDOW_SECONDS, verifySlackSignature } from "./verify.ts";
