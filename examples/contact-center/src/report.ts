// The end-of-day report: its data comes from @threadline/testing (`buildDayReport`); this example
// renders it for the terminal (`report/text.ts`) and as a self-contained HTML page with charts
// (`report/html.ts`).
export { renderHtmlReport, writeHtmlReport } from './report/html.js';
export { formatReport } from './report/text.js';
