// The end-of-day report: its data (`report/data.ts` and the modules it calls), the text form for
// the terminal (`report/text.ts`) and the self-contained HTML page with charts (`report/html.ts`).
export { buildReport } from './report/data.js';
export { renderHtmlReport, writeHtmlReport } from './report/html.js';
export { formatReport } from './report/text.js';
export type {
  BreachRow,
  ChannelRow,
  ContactRow,
  DayReport,
  HourRow,
  IntervalRow,
  PerChannel,
  SpikeRow,
} from './report/types.js';
export { WAIT_BUCKETS } from './report/types.js';
export { SL_THRESHOLD_S } from './report/util.js';
