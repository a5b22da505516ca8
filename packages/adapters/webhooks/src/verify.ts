import { SystemClock, ThreadlineError, toMillis } from '@threadline/core';
import { toBytes } from './bytes.js';
import { mailgunScheme } from './providers/mailgun.js';
import { metaScheme } from './providers/meta.js';
import { sendgridScheme } from './providers/sendgrid.js';
import { slackScheme } from './providers/slack.js';
import { standardScheme } from './providers/standard.js';
import { twilioScheme } from './providers/twilio.js';
import { configError, type SignatureScheme, type VerifyContext } from './scheme.js';
import { createMemorySeenTokens } from './seenTokens.js';
import { DEFAULT_TOLERANCE_MS } from './timestamp.js';
import {
  type SeenTokenStore,
  type VerifyWebhookOptions,
  WEBHOOK_PROVIDERS,
  type WebhookProvider,
  type WebhookVerification,
} from './types.js';

const SCHEMES: { readonly [P in WebhookProvider]: SignatureScheme<unknown> } = {
  twilio: twilioScheme,
  meta: metaScheme,
  slack: slackScheme,
  standard: standardScheme as SignatureScheme<unknown>,
  mailgun: mailgunScheme,
  sendgrid: sendgridScheme as SignatureScheme<unknown>,
};

const OPTION_KEYS = new Set([
  'provider',
  'secret',
  'url',
  'headers',
  'rawBody',
  'now',
  'toleranceMs',
  'seenTokens',
  'method',
]);

// Shared by every call that brings no store of its own, so a replay is caught across requests.
let defaultSeenTokens: SeenTokenStore | undefined;

function secretsOf(secret: unknown): string[] {
  const list = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(list) || list.length === 0) {
    throw configError(['secret'], 'give a non-empty secret or a non-empty list of them');
  }
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s === '') {
      throw configError(
        typeof secret === 'string' ? ['secret'] : ['secret', i],
        'a secret is a non-empty string',
      );
    }
  });
  return list as string[];
}

function checkOptions(options: VerifyWebhookOptions): void {
  if (options === null || typeof options !== 'object') {
    throw configError([], 'verifyWebhook takes an options object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw configError([key], 'unknown option');
  }
  if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(options.provider)) {
    throw configError(['provider'], `expected one of ${WEBHOOK_PROVIDERS.join(', ')}`);
  }
  const { toleranceMs } = options;
  if (
    toleranceMs !== undefined &&
    !(typeof toleranceMs === 'number' && toleranceMs >= 0 && toleranceMs < Infinity)
  ) {
    throw configError(['toleranceMs'], 'a replay window is a finite number of milliseconds, 0 or more');
  }
  if (options.provider === 'twilio' && typeof options.url !== 'string') {
    throw configError(['url'], 'Twilio signs the public URL: pass the URL it called');
  }
  if (options.url !== undefined && typeof options.url !== 'string') {
    throw configError(['url'], 'must be a string');
  }
  if (typeof options.rawBody !== 'string' && !(options.rawBody instanceof Uint8Array)) {
    throw new ThreadlineError(
      'VALIDATION',
      'rawBody must be the raw request body (bytes or the exact string), not a parsed body',
      { issues: [{ path: ['rawBody'], message: 'expected Uint8Array or string', code: 'invalid_type' }] },
    );
  }
}

/**
 * Verifies a webhook request's signature on its raw body, in constant time, with a replay window
 * for every scheme that signs a timestamp. Bad configuration (unknown provider, empty secret,
 * unusable key) throws `ThreadlineError` code `CONFIG`; anything wrong with the request itself
 * resolves to `{ valid: false, reason }` and never throws.
 *
 * @example
 * ```ts
 * const result = await verifyWebhook({
 *   provider: 'slack',
 *   secret: [process.env.SLACK_SIGNING_SECRET!, previousSecret], // any one passes
 *   headers: request.headers,
 *   rawBody: new Uint8Array(await request.arrayBuffer()),
 * });
 * if (!result.valid) return new Response(result.reason, { status: 401 });
 * ```
 */
export async function verifyWebhook(options: VerifyWebhookOptions): Promise<WebhookVerification> {
  checkOptions(options);
  const scheme = SCHEMES[options.provider];
  const secrets = secretsOf(options.secret);
  const keys = secrets.map((secret, i) =>
    scheme.prepare(secret, typeof options.secret === 'string' ? ['secret'] : ['secret', i]),
  );
  const now = options.now === undefined ? new SystemClock().now() : toMillis(options.now, 'now');
  const context: VerifyContext<unknown> = {
    keys,
    url: options.url,
    headers: options.headers,
    body: toBytes(options.rawBody),
    now,
    toleranceMs: options.toleranceMs ?? DEFAULT_TOLERANCE_MS,
    seenTokens: options.seenTokens ?? (defaultSeenTokens ??= createMemorySeenTokens()),
  };
  return scheme.verify(context);
}
