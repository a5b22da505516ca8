import type { BusinessCalendar } from '../calendar/calendar.js';
import type { Clock } from '../clock.js';
import { ThreadlineError } from '../errors.js';
import type { ConsentService } from '../governance/consent.js';
import type { ParsedSendRequest, SendDecision, SendGuard } from './sender.js';

/** When a {@link createSendGuard} guard may send: the open periods of a business calendar. */
export interface QuietHoursOptions {
  /**
   * The hours sending is allowed (outside them are the quiet hours), or a function choosing the
   * calendar per request — e.g. the customer's own time zone. `undefined` from the function means
   * no quiet hours for that request.
   */
  calendar: BusinessCalendar | ((request: ParsedSendRequest) => BusinessCalendar | undefined);
  /**
   * The purposes quiet hours apply to (default: every purpose). Replies inside a conversation the
   * customer started (`service`) are often exempt: pass e.g. `['marketing', 'surveys']`.
   */
  purposes?: readonly string[];
}

/** Options of {@link createSendGuard}. */
export interface SendGuardOptions {
  /** Core governance's consent service (`createConsentService`); checked for every send. */
  consent: ConsentService;
  /** Sending hours as a business calendar, or {@link QuietHoursOptions}. Without it, no quiet hours. */
  quietHours?: BusinessCalendar | QuietHoursOptions;
  /** The purpose checked when a request names none (default `service`). */
  purpose?: string;
  /** Where "now" comes from, for the consent expiry and the quiet hours. */
  clock: Clock;
}

function isCalendar(value: unknown): value is BusinessCalendar {
  return typeof (value as BusinessCalendar | undefined)?.isBusinessTime === 'function';
}

function configIssue(path: string, message: string): ThreadlineError {
  return new ThreadlineError('CONFIG', `Invalid send guard options: ${path}: ${message}`, {
    issues: [{ path: [path], message, code: 'invalid_config' }],
  });
}

/**
 * A ready-made {@link SendGuard}: refuses with `no_consent` unless the consent service allows the
 * customer, channel and purpose (opt-in purposes need a current grant; opt-out purposes such as
 * `service` are allowed unless withdrawn — see `createConsentService`'s `optOutPurposes`), and
 * with `quiet_hours` when now falls outside the sending calendar. A request without a
 * `customerId` is refused with `no_consent`: there is nobody whose consent could be checked.
 * Consent is checked first, so a customer who withdrew is told apart from one at night.
 *
 * @example
 * ```ts
 * const consent = createConsentService({ store, clock, ids, optOutPurposes: ['service'] });
 * const daytime = createBusinessCalendar({
 *   timeZone: 'Europe/London',
 *   weeklyHours: { mon: [['08:00', '21:00']], tue: [['08:00', '21:00']], wed: [['08:00', '21:00']],
 *     thu: [['08:00', '21:00']], fri: [['08:00', '21:00']], sat: [['09:00', '18:00']] },
 * });
 * const guard = createSendGuard({ consent, quietHours: { calendar: daytime, purposes: ['marketing'] }, clock });
 * const sender = createTwilioSender({ ...twilioOptions, guard });
 * await sender.send({ ..., customerId: 'c1', purpose: 'marketing' }); // FORBIDDEN at 23:00 or without a grant
 * ```
 */
export function createSendGuard(options: SendGuardOptions): SendGuard {
  if (options === null || typeof options !== 'object') throw configIssue('options', 'expected an object');
  const { consent, clock } = options;
  if (typeof consent?.checkConsent !== 'function') {
    throw configIssue('consent', 'expected a ConsentService (createConsentService)');
  }
  if (typeof clock?.now !== 'function') throw configIssue('clock', 'expected a Clock');
  const fallbackPurpose = options.purpose ?? 'service';
  const quiet: QuietHoursOptions | undefined =
    options.quietHours === undefined
      ? undefined
      : isCalendar(options.quietHours)
        ? { calendar: options.quietHours }
        : options.quietHours;
  if (
    quiet !== undefined &&
    (quiet === null || (!isCalendar(quiet.calendar) && typeof quiet.calendar !== 'function'))
  ) {
    throw configIssue('quietHours', 'expected a BusinessCalendar or { calendar }');
  }
  const quietPurposes = quiet?.purposes === undefined ? undefined : new Set(quiet.purposes);

  return async (request: ParsedSendRequest): Promise<SendDecision> => {
    if (request.customerId === undefined) return { allowed: false, reason: 'no_consent' };
    const purpose = request.purpose ?? fallbackPurpose;
    const at = clock.now();
    const decision = await consent.checkConsent({
      customerId: request.customerId,
      channel: request.channel,
      purpose,
      at,
      ...(request.tenantId === undefined ? {} : { tenantId: request.tenantId }),
    });
    if (!decision.allowed) return { allowed: false, reason: 'no_consent' };
    if (quiet !== undefined && (quietPurposes === undefined || quietPurposes.has(purpose))) {
      const calendar = isCalendar(quiet.calendar) ? quiet.calendar : quiet.calendar(request);
      if (calendar !== undefined && !calendar.isBusinessTime(at))
        return { allowed: false, reason: 'quiet_hours' };
    }
    return { allowed: true };
  };
}
