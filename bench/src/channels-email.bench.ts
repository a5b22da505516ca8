// Email: MIME messages parsed and normalised per second (`parseEmail`: postal-mime + threading,
// identities and attachment references), on a corpus of realistic messages whose median size is
// ~20 KB, and one message with a 10 MB attachment (time and peak memory: decoded whole, left out
// as metadata, and streamed to a sink).
// Run: `pnpm bench channels-email` (5 runs each; median and spread are printed).
import { parseEmail } from '@threadline/adapter-email';
import { createRandom } from '@threadline/core';
import PostalMime from 'postal-mime';
import { fmt, percentile, table } from './util.js';

const RUNS = 5;
const rng = createRandom(2026);
const words =
  'order refund parcel invoice delivery account password charge twice still waiting support ticket thanks please help urgent tomorrow'.split(
    ' ',
  );
const sentence = (n: number) => Array.from({ length: n }, () => words[rng.int(words.length)]).join(' ');

function wrap64(b64: string): string {
  return b64.replace(/.{76}/g, '$&\r\n');
}

/** One realistic support mail: multipart/mixed with an alternative text/HTML body, a quoted thread, sometimes an attachment. */
function mail(i: number, bodyBytes: number, attachmentBytes: number): string {
  const paragraphs: string[] = [];
  let size = 0;
  while (size < bodyBytes) {
    const p = `${sentence(12 + rng.int(20))}.`;
    paragraphs.push(p);
    size += p.length * 2.4; // text + HTML + quoting
  }
  const text = paragraphs.join('\r\n\r\n');
  const html = `<html><body>${paragraphs.map((p) => `<p style="margin:0 0 8px 0;font-family:Arial">${p}</p>`).join('\r\n')}</body></html>`;
  const parts = [
    'From: "Customer ' + i + '" <customer' + i + '@example.com>',
    'To: Acme Support <support@acme.test>',
    `Subject: =?UTF-8?Q?Re:_Order_${i}_=E2=80=94_refund?=`,
    `Date: Mon, 5 Jan 2026 09:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `Message-ID: <msg-${i}@mail.example.com>`,
    `In-Reply-To: <dlv-${i}@acme.test>`,
    `References: <root-${i}@mail.example.com> <dlv-${i}@acme.test>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mixed"',
    '',
    '--mixed',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    text.replace(/.{70}/g, '$&=\r\n'),
    '--alt',
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    html.replace(/=/g, '=3D').replace(/.{70}/g, '$&=\r\n'),
    '--alt--',
  ];
  if (attachmentBytes > 0) {
    const bytes = new Uint8Array(attachmentBytes);
    for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 31 + i) & 0xff;
    parts.push(
      '--mixed',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="invoice.pdf"',
      '',
      wrap64(Buffer.from(bytes).toString('base64')),
    );
  }
  parts.push('--mixed--', '');
  return parts.join('\r\n');
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
const MiB = 1024 * 1024;

// The 10 MB case, in a child process per mode so each one's peak RSS (maxRSS) is its own:
// `whole` is postal-mime decoding everything (maxAttachmentBytes above the part: the path every
// mail took before the pre-pass), `metadata` the default with no sink (the part is left out and
// only its size counted), `streamed` the default with a sink that reads `file.stream()` and
// hashes it (what a host storing the bytes does).
const BIG_MODES = ['whole', 'metadata', 'streamed'] as const;
const mode = process.argv[2];
if (mode !== undefined && (BIG_MODES as readonly string[]).includes(mode)) {
  const { createHash } = await import('node:crypto');
  // Read from the file the parent wrote, so the baseline peak holds the raw bytes only (building
  // the mail as a string here would raise the peak above what the parse itself needs).
  const big = (await import('node:fs')).readFileSync(process.argv[3] as string);
  const times: number[] = [];
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const buffersBefore = process.memoryUsage().arrayBuffers;
  let size = 0;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    const m = await parseEmail(big, {
      receivedAt: 0,
      ...(mode === 'whole' ? { maxAttachmentBytes: 64 * MiB } : {}),
      ...(mode === 'streamed'
        ? {
            attachmentSink: async (file) => {
              const hash = createHash('sha256');
              for await (const chunk of file.stream()) hash.update(chunk);
              return { id: hash.digest('hex') };
            },
          }
        : {}),
    });
    times.push(performance.now() - t);
    size = m.attachments[0]?.size ?? 0;
  }
  const rssGrowth = process.resourceUsage().maxRSS * 1024 - rssBefore;
  const buffersAfter = process.memoryUsage().arrayBuffers - buffersBefore;
  console.log(JSON.stringify({ raw: big.length, size, times, rssGrowth, buffersAfter }));
  process.exit(0);
}

const { spawnSync } = await import('node:child_process');
const { fileURLToPath } = await import('node:url');
const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const bigDir = mkdtempSync(`${tmpdir()}/threadline-email-bench-`);
const bigFile = `${bigDir}/big.eml`;
writeFileSync(bigFile, Buffer.from(mail(0, 4000, 10 * MiB), 'utf8'));
const bigRows: string[][] = [];
for (const m of BIG_MODES) {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), m, bigFile],
    {
      encoding: 'utf8',
    },
  );
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) throw new Error(`10 MB case ${m} failed: ${child.stderr}`);
  const r = JSON.parse(line) as {
    raw: number;
    size: number;
    times: number[];
    rssGrowth: number;
    buffersAfter: number;
  };
  if (m === 'whole')
    console.log(
      `10 MB attachment: message ${fmt(r.raw / MiB, 1)} MiB raw, attachment ${fmt(r.size / MiB, 1)} MiB decoded`,
    );
  bigRows.push([
    `one 10 MB attachment, ${m}`,
    fmt(median(r.times), 1),
    `${fmt(Math.min(...r.times), 1)}–${fmt(Math.max(...r.times), 1)}`,
    fmt(r.rssGrowth / MiB, 1),
    fmt(r.buffersAfter / MiB, 1),
  ]);
}
rmSync(bigDir, { recursive: true });
table(['case', 'median ms', 'spread ms (5 runs)', 'peak RSS growth MiB', 'arrayBuffers after MiB'], bigRows);

// The corpus: 200 messages, bodies 6–30 KB, a third with a 2–12 KB attachment.
const corpus: Buffer[] = [];
for (let i = 1; i <= 200; i++) {
  const attach = i % 3 === 0 ? 2000 + rng.int(10_000) : 0;
  corpus.push(Buffer.from(mail(i, 5000 + rng.int(21_000), attach), 'utf8'));
}
const sizes = corpus.map((b) => b.length).sort((a, b) => a - b);
console.log(
  `\ncorpus: ${corpus.length} messages, median ${fmt(percentile(sizes, 50) / 1024, 1)} KB (p10 ${fmt(percentile(sizes, 10) / 1024, 1)}, p90 ${fmt(percentile(sizes, 90) / 1024, 1)})`,
);

const rates: number[] = [];
for (let r = 0; r < RUNS; r++) {
  let n = 0;
  let bytes = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) {
    const raw = corpus[n % corpus.length] as Buffer;
    await parseEmail(raw, { receivedAt: 0 });
    bytes += raw.length;
    n++;
  }
  const secs = (performance.now() - start) / 1000;
  rates.push(n / secs);
  if (r === 0) console.log(`run 1: ${fmt(bytes / secs / MiB, 1)} MiB/s`);
}
// The parser alone, in the same run: what our normalisation adds on top of it.
const raw: number[] = [];
for (let r = 0; r < RUNS; r++) {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) {
    await PostalMime.parse(corpus[n % corpus.length] as Buffer);
    n++;
  }
  raw.push(n / ((performance.now() - start) / 1000));
}
table(
  ['case', 'median msgs/s', 'spread (5 runs × 2 s)'],
  [
    ['parseEmail (normalised InboundMessage)', fmt(median(rates)), spread(rates)],
    ['postal-mime parse alone', fmt(median(raw)), spread(raw)],
  ],
);
console.log(`load: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
