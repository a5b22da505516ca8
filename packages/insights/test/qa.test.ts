import { describe, expect, it } from 'vitest';
import { analyzeQa, type ConversationMessage, scoreQaRubric } from '../src/index.js';

const convo: ConversationMessage[] = [
  { speaker: 'customer', text: 'My internet has been down since yesterday!', at: 0 },
  { speaker: 'customer', text: 'Hello??', at: 30_000 },
  { speaker: 'agent', text: 'Hi, thanks for contacting Acme. I am sorry to hear that.', at: 90_000 },
  {
    speaker: 'agent',
    text: 'Could you confirm your date of birth so I can verify your account?',
    at: 100_000,
  },
  { speaker: 'customer', text: '1 May 1980', at: 160_000 },
  {
    speaker: 'agent',
    text: 'I understand how frustrating this is. This call is recorded for quality.',
    at: 400_000,
  },
  { speaker: 'customer', text: 'ok', at: 410_000 },
  { speaker: 'agent', text: 'Fixed. Is there anything else I can help with? Have a great day!', at: 420_000 },
];

describe('analyzeQa', () => {
  it('measures response times over customer waits', () => {
    const qa = analyzeQa(convo, { responseTargetMs: 60_000 });
    expect(qa.responseTimes.firstResponseMs).toBe(90_000);
    expect(qa.responseTimes.responses.map((r) => r.ms)).toEqual([90_000, 240_000, 10_000]);
    expect(qa.responseTimes.averageResponseMs).toBeCloseTo(340_000 / 3);
    expect(qa.responseTimes.medianResponseMs).toBe(90_000);
    expect(qa.responseTimes.maxResponseMs).toBe(240_000);
    expect(qa.responseTimes.overTarget).toBe(2);
    expect(qa.responseTimes.unanswered).toBe(0);
    expect(qa.agentMessages).toBe(4);
    expect(qa.customerMessages).toBe(4);
  });

  it('finds greeting, closing, empathy, apology and verification with evidence spans', () => {
    const qa = analyzeQa(convo);
    for (const check of ['greeting', 'closing', 'empathy', 'apology', 'verification'] as const) {
      expect(qa.checks[check].passed, check).toBe(true);
    }
    const apology = qa.checks.apology.evidence[0];
    expect(apology).toMatchObject({ messageIndex: 2, speaker: 'agent', text: 'sorry', phrase: 'sorry' });
    const text = 'Hi, thanks for contacting Acme. I am sorry to hear that.';
    expect(text.slice(apology?.start, apology?.end)).toBe('sorry');
    expect(qa.checks.verification.evidence.map((e) => e.phrase)).toContain('date of birth');
    // Customer messages never count as agent greetings.
    expect(qa.checks.greeting.evidence.every((e) => e.speaker === 'agent')).toBe(true);
  });

  it('checks greeting position and reports failures without evidence', () => {
    const qa = analyzeQa([
      { speaker: 'customer', text: 'hello' },
      { speaker: 'agent', text: 'What is the order number?' },
      { speaker: 'agent', text: 'Done.' },
      { speaker: 'agent', text: 'Done again.' },
      { speaker: 'agent', text: 'Hello, anything else?' },
    ]);
    expect(qa.checks.greeting).toEqual({ passed: false, evidence: [] });
    expect(qa.checks.closing.passed).toBe(true);
    expect(qa.responseTimes.firstResponseMs).toBeNull();
  });

  it('evaluates required and forbidden compliance phrases', () => {
    const qa = analyzeQa(convo, {
      compliance: [
        { id: 'recording', mode: 'required', phrases: ['call is recorded', 'call may be recorded'] },
        { id: 'no-guarantee', mode: 'forbidden', phrases: ['i guarantee', 'promise*'] },
        { id: 'fixed', mode: 'forbidden', phrases: ['fixed'] },
      ],
    });
    expect(qa.compliance['recording']).toMatchObject({ mode: 'required', passed: true });
    expect(qa.compliance['recording']?.evidence[0]?.text).toBe('call is recorded');
    expect(qa.compliance['no-guarantee']).toEqual({ mode: 'forbidden', passed: true, evidence: [] });
    expect(qa.compliance['fixed']?.passed).toBe(false);
    expect(qa.compliance['fixed']?.evidence[0]?.messageIndex).toBe(7);
  });

  it('reports PII leaks found by the detector in agent messages only by default', () => {
    const detector = (text: string) => {
      const out: { kind: string; start: number; end: number }[] = [];
      for (const m of text.matchAll(/\b\d{4} \d{4} \d{4} \d{4}\b/g)) {
        out.push({ kind: 'card', start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
      }
      return out;
    };
    const qa = analyzeQa(
      [
        { speaker: 'customer', text: 'my card is 4111 1111 1111 1111' },
        { speaker: 'agent', text: 'I see card 4111 1111 1111 1111 on file' },
      ],
      { piiDetector: detector },
    );
    expect(qa.piiLeaks).toEqual([{ messageIndex: 1, speaker: 'agent', kind: 'card', start: 11, end: 30 }]);
    const all = analyzeQa([{ speaker: 'customer', text: 'card 4111 1111 1111 1111' }], {
      piiDetector: detector,
      piiSpeakers: ['customer'],
    });
    expect(all.piiLeaks).toHaveLength(1);
  });

  it("detects PII leaks with core's redaction by default, without copying the values", () => {
    const qa = analyzeQa([
      { speaker: 'customer', text: 'my email is jane.doe@example.com' },
      { speaker: 'agent', text: 'I have jane.doe@example.com and card 4111 1111 1111 1111 on file.' },
      { speaker: 'bot', text: 'Call us on +44 20 7946 0958.' },
    ]);
    expect(qa.piiLeaks.map((l) => [l.messageIndex, l.speaker, l.kind])).toEqual([
      [1, 'agent', 'email'],
      [1, 'agent', 'payment_card'],
      [2, 'bot', 'phone'],
    ]);
    const agentText = 'I have jane.doe@example.com and card 4111 1111 1111 1111 on file.';
    const email = qa.piiLeaks[0];
    expect(agentText.slice(email?.start, email?.end)).toBe('jane.doe@example.com');
    expect(JSON.stringify(qa.piiLeaks)).not.toContain('jane.doe');

    expect(analyzeQa([{ speaker: 'agent', text: 'mail jane@example.com' }], { pii: false }).piiLeaks).toEqual(
      [],
    );
    const onlyCards = analyzeQa([{ speaker: 'agent', text: 'jane@example.com 4111 1111 1111 1111' }], {
      pii: { detectors: ['payment_card'] },
    });
    expect(onlyCards.piiLeaks.map((l) => l.kind)).toEqual(['payment_card']);
    const custom = analyzeQa([{ speaker: 'agent', text: 'your member id is MBR-123456' }], {
      pii: { detectors: [], customPatterns: [{ name: 'member_id', pattern: 'MBR-\\d{6}' }] },
    });
    expect(custom.piiLeaks).toEqual([
      { messageIndex: 0, speaker: 'agent', kind: 'custom', pattern: 'member_id', start: 18, end: 28 },
    ]);
    expect(() => analyzeQa([], { pii: { style: 'nope' } as never })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });

  it('validates options', () => {
    expect(() => analyzeQa(convo, { greetingWithin: 0 })).toThrow(
      expect.objectContaining({ path: ['greetingWithin'] }),
    );
    expect(() => analyzeQa(convo, { piiDetector: 'x' as never })).toThrow(
      expect.objectContaining({ path: ['piiDetector'] }),
    );
    expect(() => analyzeQa([{ speaker: 'agent' } as never])).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });
});

describe('scoreQaRubric', () => {
  const rubric = {
    criteria: [
      { id: 'greet', signal: 'greeting', weight: 1 },
      { id: 'kyc', signal: 'verification', weight: 2, critical: true },
      { id: 'fast', signal: 'first-response', weight: 1, targetMs: 60_000 },
      { id: 'rec', label: 'Recording notice', signal: 'compliance:recording', weight: 1 },
      { id: 'pii', signal: 'no-pii-leak', weight: 1 },
    ],
    passMark: 75,
  };

  it('scores weighted criteria out of 100 with evidence and comments', () => {
    const qa = analyzeQa(convo, {
      compliance: [{ id: 'recording', mode: 'required', phrases: ['call is recorded'] }],
    });
    const card = scoreQaRubric(qa, rubric);
    expect(card.maxScore).toBe(100);
    expect(card.criteria.map((c) => [c.criterionId, c.met])).toEqual([
      ['greet', true],
      ['kyc', true],
      ['fast', false],
      ['rec', true],
      ['pii', true],
    ]);
    expect(card.criteria[1]?.weight).toBeCloseTo(100 / 3);
    expect(card.score).toBeCloseTo(100 - 100 / 6, 2);
    expect(card.passed).toBe(true);
    expect(card.criteria[2]?.comment).toMatch(/first response after 90 s/);
    expect(card.criteria[3]?.evidence[0]?.text).toBe('call is recorded');
  });

  it('fails the review when a critical criterion fails', () => {
    const qa = analyzeQa(
      [
        { speaker: 'customer', text: 'hi', at: 0 },
        { speaker: 'agent', text: 'Hello! Anything else?', at: 1000 },
      ],
      { compliance: [{ id: 'recording', mode: 'required', phrases: ['recorded'] }] },
    );
    const card = scoreQaRubric(qa, rubric);
    expect(card.criticalFailed).toBe(true);
    expect(card.passed).toBe(false);
  });

  it('validates the rubric against the signals', () => {
    const qa = analyzeQa(convo);
    expect(() =>
      scoreQaRubric(qa, { criteria: [{ id: 'x', signal: 'compliance:missing', weight: 1 }] }),
    ).toThrow(expect.objectContaining({ path: ['criteria', 0, 'signal'] }));
    expect(() => scoreQaRubric(qa, { criteria: [{ id: 'x', signal: 'first-response', weight: 1 }] })).toThrow(
      expect.objectContaining({ path: ['criteria', 0, 'targetMs'] }),
    );
    expect(() => scoreQaRubric(qa, { criteria: [{ id: 'x', signal: 'vibes', weight: 1 }] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    expect(() =>
      scoreQaRubric(qa, {
        criteria: [
          { id: 'x', signal: 'greeting', weight: 1 },
          { id: 'x', signal: 'closing', weight: 1 },
        ],
      }),
    ).toThrow(/duplicate/);
  });
});
