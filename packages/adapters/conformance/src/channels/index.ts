// The channel conformance suite (exported from the package root).
export {
  type ChannelHarness,
  type ChannelSuiteOptions,
  channelSuite,
  type ScriptedReply,
} from './channelSuite.js';
