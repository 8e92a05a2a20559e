/** @agent-ledger/instrumentation: one line to put an agent on the ledger. */
export { init, flush, shutdown, getHandle, type InitOptions, type LedgerHandle } from './init.js';
export { runAgent, uuidFromTraceId, type RunContext, type RunOptions } from './run-agent.js';
export { tool, type InstrumentedTool, type PerCall, type ToolCall, type ToolOptions } from './tool.js';
export { annotate, type Annotation } from './action-state.js';
export { blocked, BlockedError, ApprovalRejectedError, isBlockedError } from './errors.js';
export { requireApproval, recordApproval, approvalCompliance, type ApprovalDecision } from './approval.js';
export { complianceAttributes, type ComplianceMetadata } from './compliance.js';
export { instrumentOpenAI } from './llm/openai.js';
export { instrumentAnthropic } from './llm/anthropic.js';
export type { ChatUsage, LlmOptions } from './llm/chat-span.js';
export { LedgerAttributes, type LedgerOutcome } from './attributes.js';
export type { RedactContext, RedactHook, PayloadKind } from './settings.js';
export { CAPTURE_CONTENT_ENV } from './settings.js';
export { API_KEY_ENV, DEFAULT_TRACES_URL } from './exporter-config.js';
