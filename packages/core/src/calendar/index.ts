// @threadline/core/calendar — business hours in any IANA time zone, and the zone rules under them.
export {
  BusinessCalendar,
  type BusinessPeriod,
  type BusinessTimeUnit,
  createBusinessCalendar,
} from './calendar.js';
export {
  type BusinessCalendarConfig,
  BusinessCalendarConfigSchema,
  type TimeInterval,
  WEEKDAYS,
  type Weekday,
} from './config.js';
export {
  type DateHolidaysLoader,
  type DateHolidaysOptions,
  type DateHolidaysType,
  holidaysFromDateHolidays,
} from './holidays.js';
export { isKnownTimeZone, ZoneRules, zoneRules } from './zone.js';
