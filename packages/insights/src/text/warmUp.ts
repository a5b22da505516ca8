// Type feedback for the analyzer's rare branches, gathered once when the module loads.
//
// Why: V8 optimises `tokenize` and `Analyzer.analyze` only after many calls, in a background
// compile of 150–200 ms on a busy 2-core machine. When a branch the optimised code has never seen
// runs later (the first URL, emoji, number phrase, HTML entity, elongated word…), V8 throws that
// code away and starts over, so a first pass over 14,640 messages used to pay for three or four
// compiles of each function and ran 4–8× slower than a warm pass. Running every branch once before
// the first real message gives the optimiser complete feedback, so it compiles each function once.

/**
 * Short texts that together reach every branch of `tokenize` and `Analyzer.analyze`: URLs,
 * HTML entities, letter emoticons (`xD`, `D:`), hashtags and mentions, curly apostrophes, numbers
 * with separators, punctuation emoticons, emoji with modifiers, CAPS emphasis, elongated words,
 * negation scopes, expectations, tech-support verbs, contrast, intensifiers, dampeners, phrases
 * with `<n>` and `<unit>` placeholders, questions and exclamations.
 */
export const WARM_UP_TEXTS: readonly string[] = [
  'Thanks so much, great help!! :) 😀',
  'This is UNACCEPTABLE, still not fixed :( 😡 #fail @airline https://t.co/x www.example.com',
  "Third time calling &amp; waited 3 hours on hold... I can't log in, nobody helped 👍🏽 ❤️ ⭐",
  'xD that was soooo goooood, D: not bad at all; very bad, somewhat slow, really really great',
  'Kill the stuck process and force quit the app. But it’s fine now? Why 1,000 or 2.5 or 10:30',
  'no one answered, no update, didn’t respond. However the crew were extremely kind :-) <3 ^_^',
  'waiting for 2 hours, on hold for over 45 minutes, called 5 times, two days late, 3 hrs delay',
  'No problem! thanks for nothing. I dont like it but I LOVE the new seats ✈️ 🙏 😂😂 #great',
  "You mustn't go, it is REALLY bad and SO slow, EXTREMELY rude, very VERY late",
  'lol xD ok :Dallas =) 𝓗𝓲 © ™ — “quoted” D: wow… ugh!!! grrrr greaaat baaad',
];

/**
 * How many times the texts run. V8 only starts recording type feedback for a function after its
 * first few calls, so one round would leave the branches it reached unrecorded.
 */
export const WARM_UP_ROUNDS = 4;
