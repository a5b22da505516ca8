import { readFileSync } from 'node:fs';
import * as root from '@threadline/core';
import * as calendar from '@threadline/core/calendar';
import * as channels from '@threadline/core/channels';
import * as context from '@threadline/core/context';
import * as governance from '@threadline/core/governance';
import * as identity from '@threadline/core/identity';
import * as observability from '@threadline/core/observability';
import * as ports from '@threadline/core/ports';
import * as rules from '@threadline/core/rules';
import * as schemas from '@threadline/core/schemas';
import { describe, expect, it } from 'vitest';

const subpaths = { calendar, channels, context, governance, identity, observability, ports, rules, schemas };

describe('subpath exports', () => {
  it('each subpath resolves by package name and carries its representative exports', () => {
    expect(
      calendar.createBusinessCalendar({ timeZone: 'UTC', hours: { mon: [['09:00', '17:00']] } }),
    ).toBeInstanceOf(calendar.BusinessCalendar);
    expect(calendar.zoneRules('Europe/Paris').name).toBe('Europe/Paris');
    expect(channels.DELIVERY_STATES).toContain('delivered');
    expect(rules.compileExpression('task.priority > 5').evaluate({ task: { priority: 7 } })).toBe(true);
    expect(typeof identity.createIdentityService).toBe('function');
    expect(identity.normalizeEmail('Jane@Example.COM')).toBe('jane@example.com');
    expect(typeof context.createContextAssembler).toBe('function');
    expect(governance.redact('call +44 20 7946 0958').text).toBe('call [PHONE]');
    expect(schemas.ChannelSchema.parse('email')).toBe('email');
    expect(typeof ports.createOutboxRelay).toBe('function');
    expect(typeof ports.validateAdapter).toBe('function');
    expect(observability.noopTelemetry.enabled).toBe(false);
  });

  it('the root re-exports the very same objects as every subpath', () => {
    const rootExports = root as Record<string, unknown>;
    for (const [name, mod] of Object.entries(subpaths)) {
      const entries = Object.entries(mod as Record<string, unknown>);
      expect(entries.length, name).toBeGreaterThan(0);
      for (const [key, value] of entries) {
        expect(rootExports[key], `${name}.${key}`).toBe(value);
      }
    }
  });

  it('keeps the identity planner internal: not on /identity', () => {
    expect(identity).not.toHaveProperty('planResolution');
    expect(identity).not.toHaveProperty('LimitCounter');
  });

  it('stops exporting internals: the consent storage id helper', () => {
    expect(root).not.toHaveProperty('consentRecordId');
    expect(governance).not.toHaveProperty('consentRecordId');
  });

  it('declares every subpath in package.json: source condition (for the workspace), then types, then default', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, Record<string, string> | string>;
    };
    const declared = Object.keys(pkg.exports)
      .filter((k) => k !== '.' && k !== './package.json')
      .map((k) => k.slice(2))
      .sort();
    expect(declared).toEqual(Object.keys(subpaths).sort());
    for (const [key, entry] of Object.entries(pkg.exports)) {
      if (typeof entry === 'string') continue;
      const conditions = Object.keys(entry);
      expect(conditions, key).toEqual(['@threadline/source', 'types', 'default']);
      expect(entry['@threadline/source'], key).toMatch(/^\.\/src\/.+\.ts$/);
    }
  });
});
