// The contact center's configuration: business calendar and shifts, routing workflow, SLA
// policies and escalations, the topic taxonomy, the health model and the QA scorecard.
import type { EscalationLadderInput, RoutingRuleInput, SlaPolicyInput } from '@threadline/cases';
import { defineScorecard } from '@threadline/cases';
import { BusinessCalendar, type Random } from '@threadline/core';
import { createHealthModel, createTaxonomyClassifier, type QaRubric } from '@threadline/insights';
import type { WorkerInput, WorkflowConfig } from '@threadline/routing';
import { TOPICS, type Topic } from './text.js';

/** The contact center's time zone. */
export const TIME_ZONE = 'America/New_York';

/** Channels the simulated customers use. */
export const CHANNELS = ['voice', 'chat', 'email'] as const;

/** One simulated channel. */
export type SimChannel = (typeof CHANNELS)[number];

/** Opening hours (local): the business calendar of the SLA clocks. */
export const OPEN: [string, string] = ['08:00', '20:00'];

/** Agent shifts (local times), each a business calendar the routing engine checks. */
export const SHIFTS = {
  early: ['08:00', '16:00'],
  mid: ['09:30', '17:30'],
  late: ['12:00', '20:30'],
} as const satisfies Record<string, [string, string]>;

/** A shift name. */
export type ShiftName = keyof typeof SHIFTS;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function weekCalendar(interval: readonly [string, string], timeZone: string): BusinessCalendar {
  const hours: Record<string, [string, string][]> = {};
  for (const d of DAYS) hours[d] = [[interval[0], interval[1]]];
  return BusinessCalendar.from({ timeZone, hours });
}

/** The opening-hours calendar (SLA business time) in `timeZone` (default {@link TIME_ZONE}). */
export function centerCalendar(timeZone: string = TIME_ZONE): BusinessCalendar {
  return weekCalendar(OPEN, timeZone);
}

/** One calendar per shift, for the routing engine's `calendars` option. */
export function shiftCalendars(timeZone: string = TIME_ZONE): Record<ShiftName, BusinessCalendar> {
  return {
    early: weekCalendar(SHIFTS.early, timeZone),
    mid: weekCalendar(SHIFTS.mid, timeZone),
    late: weekCalendar(SHIFTS.late, timeZone),
  };
}

/** The skills agents have (every topic but `general`, which every human handles). */
export const SKILLS = TOPICS.filter((t) => t !== 'general');

/** A simulated agent: the routing worker plus what the simulation needs to know about it. */
export interface AgentProfile {
  worker: WorkerInput;
  kind: 'human' | 'bot';
  /** `'voice'` (calls only), `'blended'` (a call or up to three chats), `'digital'` (chats and emails), `'email'`, or `'bot'`. */
  profile: 'voice' | 'blended' | 'digital' | 'email' | 'bot';
  shift: ShiftName | null;
  team: string;
  /** 0..1: how reliably the agent greets, verifies, shows empathy and closes (feeds QA). */
  quality: number;
}

/** Builds the roster: bots first answering chat, and humans on three shifts with skills and languages. */
export function buildRoster(agents: number, rng: Random): AgentProfile[] {
  const bots = Math.max(1, Math.round(agents * 0.02));
  const roster: AgentProfile[] = [];
  for (let i = 0; i < bots; i++) {
    const id = `bot-${String(i + 1).padStart(2, '0')}`;
    roster.push({
      kind: 'bot',
      profile: 'bot',
      shift: null,
      team: 'virtual',
      quality: 1,
      worker: {
        id,
        kind: 'bot',
        status: 'available',
        attributes: { team: 'virtual', languages: ['en', 'es', 'fr'] },
        capacity: { chat: 60 },
      },
    });
  }
  const humans = agents - bots;
  for (let i = 0; i < humans; i++) {
    const id = `agent-${String(i + 1).padStart(3, '0')}`;
    const f = i / humans;
    // Shift mix covers the intraday curve: the morning ramp and the long evening tail.
    const shift: ShiftName = f < 0.36 ? 'early' : f < 0.62 ? 'mid' : 'late';
    const p = rng.next();
    const profile: AgentProfile['profile'] =
      p < 0.42 ? 'voice' : p < 0.65 ? 'blended' : p < 0.9 ? 'digital' : 'email';
    const capacity: WorkerInput['capacity'] =
      profile === 'voice'
        ? { voice: 1 }
        : profile === 'blended'
          ? { voice: { units: 3, weight: 3 }, chat: 3 }
          : profile === 'digital'
            ? // An email takes the agent's whole attention (like a call on a blended agent).
              { chat: 3, email: { units: 3, weight: 3 } }
            : { email: 1 };
    const skills: Record<string, number> = { general: 5 };
    // Two or three specialist skills at levels 1..10.
    const first = rng.int(SKILLS.length);
    const count = 2 + rng.int(2);
    for (let k = 0; k < count; k++) skills[SKILLS[(first + k) % SKILLS.length] as string] = 1 + rng.int(10);
    const languages = ['en'];
    const l = rng.next();
    if (l < 0.18) languages.push('es');
    else if (l < 0.24) languages.push('fr');
    const team = `team-${1 + (i % 12)}`;
    roster.push({
      kind: 'human',
      profile,
      shift,
      team,
      quality: 0.6 + 0.4 * rng.next(),
      worker: {
        id,
        status: 'available',
        attributes: { skills, languages, team, profile },
        capacity,
        ...(profile === 'blended' || profile === 'digital' ? { totalCapacity: 3 } : {}),
      },
    });
  }
  return roster;
}

/**
 * The routing workflow: chat goes to a bot first; Spanish and French speakers to people who speak
 * their language; every topic has a ladder that starts with the gold customer's last agent, then
 * experts (skill ≥ 6), then anyone with the skill, then anybody.
 */
export function buildWorkflow(): WorkflowConfig {
  const queues: NonNullable<WorkflowConfig['queues']> = [
    { id: 'bots', expression: 'worker.kind == "bot"' },
    // The email desk works its inbox as a queue; digital agents help only with old mail.
    {
      id: 'email-desk',
      expression: 'worker.kind == "human" AND worker.profile == "email"',
      agingPerMinute: 1,
    },
    { id: 'spanish', expression: 'worker.kind == "human" AND "es" IN worker.languages', agingPerMinute: 1 },
    { id: 'french', expression: 'worker.kind == "human" AND "fr" IN worker.languages', agingPerMinute: 1 },
    {
      id: 'general',
      expression: 'worker.kind == "human"',
      agingPerMinute: 1,
      slaBoost: { within: 10_000, boost: 3 },
    },
  ];
  for (const skill of SKILLS)
    queues.push({
      id: skill,
      workers: { skills: { [skill]: 1 } },
      agingPerMinute: 1,
      slaBoost: { within: 10_000, boost: 3 },
    });
  const filters: NonNullable<WorkflowConfig['filters']> = [
    {
      name: 'bot-first',
      match: { channel: 'chat' },
      when: 'task.handoff == null',
      targets: [{ queue: 'bots' }],
    },
    {
      name: 'email',
      match: { channel: 'email' },
      targets: [{ queue: 'email-desk', timeout: 2 * 3_600_000 }, { queue: 'general' }],
    },
    {
      name: 'spanish',
      when: 'task.language == "es"',
      targets: [{ queue: 'spanish', timeout: 90_000 }, { queue: 'general' }],
    },
    {
      name: 'french',
      when: 'task.language == "fr"',
      targets: [{ queue: 'french', timeout: 90_000 }, { queue: 'general' }],
    },
  ];
  for (const skill of SKILLS)
    filters.push({
      name: skill,
      when: `task.topic == "${skill}"`,
      targets: [
        { queue: skill, knownWorker: 'last', skipIf: 'task.tier != "gold"', timeout: 15_000 },
        { queue: skill, requires: { skills: { [skill]: 6 } }, timeout: 30_000 },
        { queue: skill, timeout: 120_000 },
        { queue: 'general' },
      ],
    });
  return { queues, filters, defaultFilter: { targets: [{ queue: 'general' }] } };
}

const every = (ms: number) => ({
  low: ms * 2,
  normal: ms,
  high: Math.round(ms * 0.66),
  urgent: Math.round(ms / 2),
});

/**
 * SLA policies: calendar-time first-reply targets for voice and chat (answered within a minute or
 * five), business-time first-reply and resolution targets for email.
 */
export function buildPolicies(): SlaPolicyInput[] {
  return [
    {
      id: 'voice',
      when: 'case.channel == "voice"',
      time: 'calendar',
      warn: { percent: 75 },
      targets: { first_reply: every(60_000) },
    },
    {
      id: 'chat',
      when: 'case.channel == "chat"',
      time: 'calendar',
      warn: { percent: 75 },
      targets: { first_reply: every(5 * 60_000) },
    },
    {
      id: 'email',
      calendar: 'center',
      warn: { percent: 75 },
      // Email is worked as a queue: a reply within four business hours, resolved within a business day.
      targets: { first_reply: every(4 * 3_600_000), resolution: every(12 * 3_600_000) },
    },
  ];
}

/** A ladder on the first reply: at breach, raise the priority and tell the duty supervisor. */
export function buildEscalations(): EscalationLadderInput[] {
  return [
    {
      id: 'first-reply',
      metric: 'first_reply',
      levels: [
        {
          actions: [{ type: 'raise_priority' }, { type: 'notify', recipients: [{ id: 'duty-supervisor' }] }],
        },
      ],
    },
  ];
}

/** Rule-triggered escalation to specialist teams. */
export function buildRoutingRules(): RoutingRuleInput[] {
  return [
    {
      id: 'gold-urgent',
      when: 'customer.tier == "gold" AND case.priority == "urgent"',
      team: 'priority-desk',
      reason: 'gold customer with an urgent case',
    },
    {
      id: 'disruption-desk',
      when: 'case.type == "disruptions" AND case.priority == "urgent"',
      team: 'disruption-desk',
      reason: 'urgent flight disruption',
    },
  ];
}

/** The topic taxonomy the insights classifier uses on the customers' words. */
export function buildTaxonomy() {
  return createTaxonomyClassifier({
    topics: [
      {
        label: 'disruptions',
        terms: [
          'delay*',
          'cancel*',
          'late',
          'missed',
          'connection',
          'rebook*',
          'stranded',
          'weather',
          { term: 'flight cancelled', weight: 3 },
        ],
      },
      {
        label: 'baggage',
        terms: [
          'bag',
          'bags',
          'baggage',
          'luggage',
          'suitcase',
          'lost',
          'damaged',
          { term: 'lost luggage', weight: 3 },
        ],
      },
      {
        label: 'booking',
        terms: [
          'booking',
          'book',
          'booked',
          'reservation',
          'seat',
          'website',
          'charged',
          'refund*',
          'ticket*',
          'change',
        ],
      },
      {
        label: 'service',
        terms: ['rude', 'crew', 'attendant*', 'staff', 'desk', 'line', 'wait*', 'hold', 'service', 'broken'],
      },
    ],
    fallbackLabel: 'general',
    minScore: 1,
  });
}

/** Customer health: sentiment, repeat contacts, SLA breaches, escalations and CSAT. */
export function buildHealthModel() {
  return createHealthModel({
    factors: [
      { key: 'sentiment', weight: 30, direction: 'higher-is-better', min: -1, max: 1 },
      { key: 'repeatContacts', weight: 20, direction: 'lower-is-better', min: 0, max: 4 },
      { key: 'slaBreaches', weight: 20, direction: 'lower-is-better', min: 0, max: 2 },
      { key: 'escalations', weight: 10, direction: 'lower-is-better', min: 0, max: 2 },
      { key: 'csat', weight: 20, direction: 'higher-is-better', min: 1, max: 5 },
    ],
    bands: { red: 40, yellow: 70 },
  });
}

/** The QA rubric (automated signals) and the scorecard reviewers fill in from it. */
export function buildQa(): { rubric: QaRubric; scorecard: ReturnType<typeof defineScorecard> } {
  const rubric: QaRubric = {
    criteria: [
      { id: 'greeting', signal: 'greeting', weight: 1 },
      { id: 'verification', signal: 'verification', weight: 2, critical: true },
      { id: 'empathy', signal: 'empathy', weight: 2 },
      { id: 'closing', signal: 'closing', weight: 1 },
      { id: 'no-pii', signal: 'no-pii-leak', weight: 1 },
    ],
    passMark: 75,
  };
  const scorecard = defineScorecard({
    id: 'airline-support-v1',
    name: 'Airline support interactions',
    passScore: 75,
    criteria: [
      { id: 'greeting', label: 'Greets the customer', weight: 1 },
      { id: 'verification', label: 'Verifies the booking or identity', weight: 2, critical: true },
      { id: 'empathy', label: 'Acknowledges the customer', weight: 2 },
      { id: 'closing', label: 'Closes properly', weight: 1 },
      { id: 'no-pii', label: 'Discloses no personal data', weight: 1, critical: true },
    ],
  });
  return { rubric, scorecard };
}

/** Topic → routing topic (the taxonomy labels are the routing topics). */
export function asTopic(label: string): Topic {
  return (TOPICS as readonly string[]).includes(label) ? (label as Topic) : 'general';
}
