// The notify sink's messages (Block Kit and the same as text), incident threads, and the notify run
// fed by the result bus. (The command endpoint, approvals and undo live here too.)
export type { MessageButton, MessageList, MessageOptions, ResultMessage, ResultStatus } from "./message.ts";
export { alarmReasonInWords, resultMessage, statusOf, triggerInWords } from "./message.ts";
export { sampleRecords } from "./samples.ts";
export { renderMessageText, renderResultText } from "./text.ts";
