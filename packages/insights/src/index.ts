// Public surface of @threadline/insights: explicit named re-exports only.

// --- numbers: staffing, KPIs, health, issue detection, streaming (insights-numbers) ---
export {
  type ErlangABasis,
  type ErlangAInput,
  type ErlangAResult,
  erlangA,
} from './staffing/erlangA.js';
export { type ErlangBInput, type ErlangBResult, erlangB } from './staffing/erlangB.js';
export { type ErlangCInput, type ErlangCResult, erlangC } from './staffing/erlangC.js';
export type { LoadInput } from './staffing/load.js';
export {
  type RequiredAgentsInput,
  type RequiredAgentsResult,
  requiredAgents,
  type StaffingModel,
} from './staffing/requiredAgents.js';
export {
  type ForecastInterval,
  type StaffingPlan,
  type StaffingPlanInput,
  type StaffingPlanInterval,
  staffingPlan,
} from './staffing/staffingPlan.js';
// --- end numbers ---
