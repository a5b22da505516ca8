// The host's context providers: a customer's cases (read from the case engine) and insights
// (sentiment trend, current health score) become part of the context the assembler builds.
import type { DayState } from './state.js';

/** Registers the cases and insights providers on the day's context assembler. */
export function registerContextProviders(
  s: Pick<DayState, 'contexts' | 'cases' | 'insights' | 'casesByCustomer' | 'sentimentByCustomer'>,
): void {
  const { contexts, cases, insights, casesByCustomer, sentimentByCustomer } = s;
  // Cases become part of the customer's context: the cases provider reads the case engine.
  contexts.register({
    name: 'cases',
    provide: ({ customerId }) => {
      const list = (casesByCustomer.get(customerId) ?? [])
        .map((id) => cases.getCase(id))
        .filter((c) => c !== undefined);
      const ref = (c: (typeof list)[number]) => ({
        id: c.id,
        tenantId: c.tenantId,
        status: c.status,
        subject: c.subject,
        priority: c.priority,
        openedAt: c.createdAt,
      });
      return {
        cases: {
          open: list.filter((c) => c.status !== 'solved' && c.status !== 'closed').map(ref),
          recent: list.filter((c) => c.status === 'solved' || c.status === 'closed').map(ref),
        },
      };
    },
  });

  // Insights become part of the context too: the sentiment trend and the current health score.
  contexts.register({
    name: 'insights',
    provide: ({ customerId, at }) => {
      const health = insights.healthOf(customerId);
      return {
        signals: {
          sentimentTrend: sentimentByCustomer.get(customerId) ?? [],
          ...(health
            ? {
                health: {
                  id: `${customerId}:health`,
                  kind: 'health' as const,
                  value: health.score,
                  label: health.band,
                  observedAt: at,
                },
              }
            : {}),
        },
      };
    },
  });
}
