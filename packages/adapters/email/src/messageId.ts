/**
 * Message-ID handling shared by parsing, threading and sending (internal). Ids are kept without
 * their angle brackets everywhere in Threadline (`abc@example.com`), which is also how Mailgun
 * and SendGrid report them in events, so a status callback finds the delivery it is about.
 */

const BRACKETED = /<([^<>\s]+)>/g;

/** `<abc@example.com>` → `abc@example.com`; `undefined` for an empty or unusable value. */
export function normaliseMessageId(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ids = parseMessageIds(value);
  return ids[0];
}

/** Every Message-ID in a header value (`References`, `In-Reply-To`), in order, without brackets, deduplicated. */
export function parseMessageIds(value: string | undefined | null): string[] {
  if (value === undefined || value === null) return [];
  const found: string[] = [];
  for (const match of value.matchAll(BRACKETED)) if (match[1]) found.push(match[1]);
  if (found.length === 0) {
    // Some clients drop the brackets: take the whitespace-separated tokens that look like ids.
    for (const token of value.split(/[\s,]+/))
      if (token.length > 0 && token.length <= 2000) found.push(token);
  }
  return [...new Set(found.filter((id) => id.length <= 2000))];
}

/** `abc@example.com` → `<abc@example.com>` for a header. */
export function bracket(id: string): string {
  return `<${id}>`;
}
