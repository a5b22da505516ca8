// The Threadline CX sentiment lexicon.
//
// Provenance and licence: every entry below was written for Threadline by hand from general
// knowledge of English and of customer-support language, on a -4..+4 valence scale. No published
// word list (AFINN, VADER, Hu & Liu, SentiWordNet, …) was copied or used as a starting point, so the
// lexicon carries the package's own MIT licence. It was tuned against the package's own labelled CX
// test set (`test/fixtures/cx-sentiment.tsv`), never against the airline evaluation file.
//
// Entries are grouped by valence so the table stays readable; `buildLexicon()` turns the groups into
// a `Map<string, number>` once at module load.

const GROUPS: ReadonlyArray<readonly [number, string]> = [
  [
    4,
    `amazing awesome outstanding phenomenal superb exceptional fantastic incredible brilliant wonderful
     excellent perfect flawless stellar spectacular marvelous marvellous magnificent legendary lifesaver
     lifesavers thrilled ecstatic delighted overjoyed love loved loving loves adore adored impeccable`,
  ],
  [
    3,
    `great best superstar superstars heroes hero rockstar rockstars appreciated appreciate appreciative
     grateful thankful thx thanx thanks thank ty tysm kudos bravo excited exciting impressed impressive
     happy happier happiest glad joy enjoy enjoyed enjoying beautiful gorgeous lovely pleasant pleasure
     helpful friendly kind kindest courteous generous gracious sweet favourite favorite fabulous terrific
     recommend recommended smooth seamless effortless painless stress-free hassle-free yay woohoo woo
     congrats congratulations praise blessed`,
  ],
  [
    2,
    `good nice cool fine better improved improvement pleased satisfied satisfying comfortable comfy
     fast quick quickly prompt promptly speedy efficient easy easily convenient reliable professional
     polite patient patience attentive responsive resolved solved fixed sorted works working worked
     success successful successfully glad welcome welcomed  upgraded complimentary bonus reward
     rewarding worth valuable fun funny haha hahaha lol win won winner safe safely secure relief relieved
     relieving understanding empathetic caring cares care trust trusted honest fair clean spotless tasty
     delicious yummy ontime punctual early smoothly fixes resolves resolve`,
  ],
  [
    1,
    `  okey alright decent fair-enough like liked likes hope hopefully hoping helped  helps
      interesting calm ready assist assisted assistance support supported well nicely positive
     agree agreed correct accurate clear clearly cheers credit credited refunded compensated compensation
     reimbursed waived approved confirmed promise`,
  ],
  [
    -1,
    `confusing confused unclear unsure wrong mistake mistakes error errors issue issues problem problems
     glitch glitches bug buggy slow slowly late later  waiting waited queue  still yet again why
     hmm meh sigh tired cramped crowded noisy cold hot expensive pricey   fees charge charged
     complicated difficult hard nervous worried worry worrying concern concerned concerns doubt doubtful
     strange weird odd unfortunately unfortunate sadly miss missed missing lacking lack limited
     inconvenient inconvenience hassle hassled bother bothered bumped downgraded overbooked oversold
     overcharged overcharge  complaint complain complaining complained  delay delays`,
  ],
  [
    -2,
    `bad poor poorly fail fails failed failing failure broke broken crash crashed crashes crashing
     cancel cancelled canceled cancelling canceling cancellation cancellations delayed lost lose losing
     stuck stranded unhelpful unfriendly unprofessional unacceptable annoyed annoying annoys irritated
     irritating frustrated frustrating frustration upset unhappy sad disappointed disappointing
     disappointment dissatisfied displeased angry mad hate hated hates dislike sucks sucked suck crap
     crappy lame rude rudely ridiculous absurd nonsense useless worthless pointless careless ignored
     ignoring ignore ignores neglected dirty smelly filthy gross uncomfortable painful pain stress
     stressful stressed ugh argh grr damn damaged ruin ruined ruining mess messed chaos chaotic incompetent
     incompetence unreliable inaccurate misinformation misinformed misleading mislead lied lie lies lying
     liar liars cheat cheated cheating scam scammed rip-off ripoff robbed stole stolen theft steal
     nightmare joke shame shameful embarrassing embarrassed wtf smh fml insult insulting insulted
     inexcusable unbelievable incredibly-bad hopeless helpless powerless screwed screw sloppy pathetic
     miserable misery horrid hostile arrogant condescending dismissive yelled yelling shouting threatened
     abandoned denied refused refuse refuses rejected unanswered unresolved outage down-time downtime
     kill killed killing destroy destroyed dead die died dying terminate terminated abort aborted`,
  ],
  [
    -3,
    `terrible horrible awful worst dreadful atrocious abysmal appalling disgusting disgusted disgrace
     disgraceful furious livid outraged outrageous outrage infuriating infuriated fuming enraged
     unbearable intolerable despicable deplorable shocking shocked horrendous horrific hideous
     vile heartless clueless idiots idiot idiotic stupid dumb moronic morons moron shit shitty bullshit
     fuck fucking fucked wtf-worst garbage trash rubbish hell hellish sucky fraud fraudulent criminal
     hostage`,
  ],
  [0.5, `ok okay sure help upgrade`],
  [-0.5, `wait fee refund hold`],
  [
    -1.5,
    `waste wasted declined disconnected disconnect dropped expired busy forever soaked unusable crazy insane
     wrecked denying shady sketchy bumpy`,
  ],
  [-4, `worst-ever disastrous disaster catastrophe catastrophic`],
];

/** Builds the valence map from the grouped table above. */
function buildLexicon(): Map<string, number> {
  const map = new Map<string, number>();
  for (const [valence, words] of GROUPS) {
    for (const w of words.split(/\s+/)) if (w.length > 0) map.set(w, valence);
  }
  return map;
}

/** The built-in word valences (-4..+4). */
export const LEXICON: ReadonlyMap<string, number> = buildLexicon();

/** Words that strengthen the next sentiment word, with the amount added to its magnitude. */
export const INTENSIFIERS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    very: 0.3,
    really: 0.3,
    so: 0.3,
    too: 0.25,
    extremely: 0.5,
    incredibly: 0.5,
    absolutely: 0.5,
    completely: 0.4,
    totally: 0.4,
    utterly: 0.5,
    super: 0.4,
    truly: 0.3,
    most: 0.3,
    highly: 0.4,
    seriously: 0.4,
    beyond: 0.4,
    insanely: 0.5,
    terribly: 0.4,
    especially: 0.2,
    exceptionally: 0.4,
    deeply: 0.4,
    hugely: 0.4,
    massively: 0.4,
    huge: 0.4,
    ridiculously: 0.5,
    such: 0.25,
    quite: 0.15,
    way: 0.2,
    more: 0.15,
    much: 0.2,
  }),
);

/** Words that soften the next sentiment word: its magnitude is multiplied by the factor. */
export const DAMPENERS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    slightly: 0.5,
    somewhat: 0.6,
    kinda: 0.6,
    kind_of: 0.6,
    sort_of: 0.6,
    sorta: 0.6,
    barely: 0.5,
    hardly: 0.5,
    marginally: 0.5,
    little: 0.7,
    bit: 0.7,
    fairly: 0.8,
    pretty: 1.1,
    almost: 0.7,
    partly: 0.6,
    mildly: 0.5,
    rather: 0.8,
  }),
);

/** Negators: they flip (and soften) sentiment inside the negation window that follows them. */
export const NEGATORS: ReadonlySet<string> = new Set(
  `not no never neither nor none nobody nothing nowhere cannot cant can't dont don't doesnt doesn't didnt
   didn't isnt isn't wasnt wasn't arent aren't werent weren't wont won't wouldnt wouldn't shouldnt
   shouldn't couldnt couldn't havent haven't hasnt hasn't hadnt hadn't aint ain't without lack lacks
   unable n't`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/** Words that end a clause for negation purposes (besides punctuation). */
export const CLAUSE_BREAKERS: ReadonlySet<string> = new Set(['but', 'however', 'although', 'though', 'yet']);

/**
 * Things a customer expects a service to do or provide. After a negator ("didn't respond",
 * "no update", "can't log in") they are strongly negative in a support conversation even though
 * the word alone is neutral.
 */
export const EXPECTATIONS: ReadonlySet<string> = new Set(
  `respond responded responding response responses reply replied replies answer answered answering
   call called calls callback email emailed emails update updated updates info information news
   explanation explain explained apology apologize apologized compensation refund refunds
   help helped helping helps work works worked working function functioning load loads loading arrive
   arrived arrival show showed shown receive received get got getting reach reached contact contacted
   log login access connect connected book booked booking change changed check checked fix fixed
   resolve resolved solve solved sort sorted find found one seat seats room space way communication
   notice notification confirmation acknowledgement acknowledge follow-up followup ticket tickets
   came come comes arrive arrives fixing warning notified informed told`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/**
 * Tech-support verbs that are negative words in everyday English but neutral instructions in a
 * support conversation when followed by a technical object ("kill the process").
 */
export const TECH_VERBS: ReadonlySet<string> = new Set(
  `kill killed killing terminate terminated abort aborted destroy destroyed crash crashed purge wipe
   wiped force forced hit dump dead die`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/** Technical objects that neutralise a preceding {@link TECH_VERBS} word. */
export const TECH_OBJECTS: ReadonlySet<string> = new Set(
  `process processes task tasks app application session sessions job jobs thread threads server servers
   instance instances cache caches cookies cookie container containers service services daemon button
   key keys tab tabs browser file files folder logs log pod pods query queries script command
   program pid node worker workers vm batch build deploy deployment connection connections link
   links loop queue restart reboot enter refresh transaction dump core pixel pixels battery`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/** Words that may sit between a tech verb and its object ("kill the stuck process"). */
export const TECH_FILLERS: ReadonlySet<string> = new Set(
  `the a an that this your my its old stuck running background hanging frozen hung all any`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);
