// Slack's notify sink: the messages (Block Kit and the same as text), incident threads, the Web API
// poster, and the notify run's input. It sits below the runtime (which posts through it). The
// command endpoint, which runs the pipeline, is the sub-stage slack/commands/.
export type { MessageButton, MessageList, MessageOptions, ResultMessage, ResultStatus } from "./message.ts";
export { alarmReasonInWords, resultMessage, statusOf, triggerInWords } from "./message.ts";
export { sampleRecords } from "./samples.ts";
export { renderMessageText, renderResultText } from "./text.ts";
