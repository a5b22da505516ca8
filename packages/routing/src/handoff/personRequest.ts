/**
 * Detecting "the customer asks for a person" in a chat message: phrase-level patterns per
 * language (a request verb or construction plus a word for a human), with negations and
 * mentions that are not requests left alone ("my travel agent booked this", "the agent was
 * rude", "agent 47", "I don't need a human").
 */

/** What a detector found; `language` and `phrase` say which pattern matched. */
export interface PersonRequestResult {
  requested: boolean;
  language?: string;
  phrase?: string;
}

/** What the engine tells a detector besides the text (the conversation's language, if known). */
export interface PersonRequestContext {
  /** BCP 47 tag such as `fr` or `pt-BR`; only the primary subtag is used by the built-in detector. */
  language?: string;
}

/**
 * Decides whether a customer's message asks for a person. The engine option
 * `personRequestDetector` takes one; a plain boolean answer is fine.
 */
export type PersonRequestDetector = (
  text: string,
  context: PersonRequestContext,
) => boolean | PersonRequestResult;

/** Languages the built-in detector knows. */
export type PersonRequestLanguage = 'en' | 'es' | 'fr' | 'de' | 'pt';

/** Every language the built-in detector knows, in the order it checks them. */
export const PERSON_REQUEST_LANGUAGES: readonly PersonRequestLanguage[] = ['en', 'es', 'fr', 'de', 'pt'];

/** Options for {@link createPersonRequestDetector}. */
export interface PersonRequestDetectorOptions {
  /** Languages to check (default: all of {@link PERSON_REQUEST_LANGUAGES}). */
  languages?: readonly PersonRequestLanguage[];
  /**
   * More phrases that count as a request: a string matches as whole words anywhere in the
   * message, ignoring case and accents; a RegExp is tested on the original text.
   */
  extraPhrases?: readonly (string | RegExp)[];
}

interface LanguageRules {
  /** Request patterns, tested on the normalised text (lower case, no accents, single spaces). */
  requests: RegExp[];
  /** A negation in the same clause before the match cancels it. */
  negation: RegExp;
}

// Words for "a human" per language (normalised: no accents). A following number ("agent 47")
// is a name, not a request.
const EN_HUMAN =
  '(?:(?:a|an|the|some|your|one of your|any) )?(?:(?:real|live|actual|human|flesh and blood) )?(?:human(?: being)?|person|people|agent|representative|rep|operator|someone(?: real)?|somebody(?: real)?|customer (?:service|support|care)(?: agent| rep| representative| person)?|advisor|adviser|supervisor|manager|staff member|team member)\\b(?! ?\\d)';
const ES_HUMAN =
  '(?:(?:un|una|el|la|algun|alguna|otro|otra) )?(?:persona(?: real| de verdad)?|humano|ser humano|agente|asesor|asesora|operador|operadora|representante|ejecutivo|ejecutiva|alguien(?: real)?)\\b(?! ?\\d)';
const FR_HUMAN =
  "(?:(?:un|une|le|la|l'|un vrai|une vraie|vrai|vraie|votre) ?)?(?:humain|etre humain|personne(?: reelle| physique)?|conseiller|conseillere|agent|operateur|operatrice|representant|representante|quelqu'un(?: de reel)?)\\b(?! ?\\d)";
const DE_HUMAN =
  '(?:(?:einem|einer|einen|einer|dem|der|den|jemandem|jemanden|ihrem|ihrer) )?(?:(?:echten|richtigen|menschlichen|echte|richtige) )?(?:menschen|mensch|mitarbeiter(?:in)?|berater(?:in)?|kundenberater(?:in)?|kundendienst|agenten|person|jemandem|jemanden)\\b(?! ?\\d)';
const PT_HUMAN =
  '(?:(?:um|uma|o|a|algum|alguma|outro|outra) )?(?:pessoa(?: real| de verdade)?|humano|ser humano|atendente|agente|operador|operadora|representante|consultor|consultora|alguem(?: real)?)\\b(?! ?\\d)';

const RULES: Record<PersonRequestLanguage, LanguageRules> = {
  en: {
    requests: [
      // "let me talk to a human", "can I speak with an agent", "connect me to a representative"
      new RegExp(`\\b(?:talk|speak|chat) (?:to|with) ${EN_HUMAN}`),
      new RegExp(
        `\\b(?:connect|transfer|put|pass|forward|escalate|send|route) (?:me|this|us|my (?:call|chat))? ?(?:through |over |back )?(?:to|with) ${EN_HUMAN}`,
      ),
      // "I want a human", "I need a real person", "can I get an agent", "get me a representative"
      new RegExp(
        `\\b(?:i (?:want|need|would like|'d like|wanna|demand|request)|i'd like|can i (?:get|have)|could i (?:get|have)|may i (?:have|get)|give me|get me|find me) (?:to (?:talk|speak|chat) (?:to|with) )?${EN_HUMAN}`,
      ),
      // "is there a human I can talk to", "is there anyone real available"
      new RegExp(
        `\\b(?:is there|are there|do you have|have you got) ${EN_HUMAN}(?: (?:i|we) can (?:talk|speak|chat)| (?:available|there|around|online))`,
      ),
      // the whole message: "agent", "human please", "operator!", "real person now"
      /^(?:please )?(?:an? )?(?:human|agent|representative|rep|operator|real person|live agent|live person|live chat|customer service|a person)(?: please| pls| now| asap)?[.!? ]*$/,
    ],
    negation:
      /\b(?:don't|dont|do not|doesn't|does not|didn't|did not|no need|not|never|won't|wont|without|rather not)\b[^.!?,;]*$/,
  },
  es: {
    requests: [
      // "quiero hablar con una persona", "puedo hablar con un agente"
      new RegExp(`\\b(?:hablar|comunicarme|conversar|chatear) con ${ES_HUMAN}`),
      new RegExp(
        `\\b(?:pasame|paseme|comuniqueme|comunicame|transfiereme|transfierame|conecteme|conectame|ponme|pongame) (?:con|a|al|a la) ${ES_HUMAN}`,
      ),
      new RegExp(`\\b(?:quiero|necesito|quisiera|exijo) ${ES_HUMAN}`),
      /^(?:por favor )?(?:un |una )?(?:humano|agente|asesor|asesora|operador|operadora|persona real)(?: por favor| ya)?[.!? ]*$/,
    ],
    negation: /\b(?:no|nunca|sin|tampoco)\b[^.!?,;]*$/,
  },
  fr: {
    requests: [
      // "je veux parler à un conseiller", "puis-je discuter avec un humain"
      new RegExp(`\\b(?:parler|discuter|echanger) (?:a|avec) ${FR_HUMAN}`),
      new RegExp(
        `\\b(?:passez-moi|passez moi|passe-moi|passe moi|mettez-moi en relation avec|mettez moi en relation avec|transferez-moi (?:a|vers)|transferez moi (?:a|vers)) ${FR_HUMAN}`,
      ),
      new RegExp(`\\b(?:je veux|je voudrais|j'aimerais|je souhaite|je demande) ${FR_HUMAN}`),
      /^(?:un |une )?(?:humain|conseiller|conseillere|agent|operateur|operatrice|vraie personne)(?: s'il vous plait| svp| stp)?[.!? ]*$/,
    ],
    negation: /(?:\bne\b|\bn'|\bpas\b|\bjamais\b|\bsans\b)[^.!?,;]*$/,
  },
  de: {
    requests: [
      // "ich möchte mit einem Mitarbeiter sprechen", "kann ich mit einem Menschen reden"
      new RegExp(`\\bmit ${DE_HUMAN} (?:sprechen|reden|chatten|verbunden werden)\\b`),
      new RegExp(
        `\\b(?:verbinden sie mich|verbinde mich|stellen sie mich) (?:bitte )?(?:mit|zu) ${DE_HUMAN}`,
      ),
      new RegExp(
        `\\b(?:ich (?:will|mochte|moechte|brauche|hatte gern|haette gern|hatte gerne|haette gerne)) ${DE_HUMAN}`,
      ),
      /^(?:einen |ein )?(?:mitarbeiter|mensch|menschen|berater|kundenberater|echten menschen)(?: bitte)?[.!? ]*$/,
    ],
    negation: /\b(?:nicht|kein|keine|keinen|keinem|nie|ohne)\b[^.!?,;]*$/,
  },
  pt: {
    requests: [
      // "quero falar com um atendente", "posso conversar com uma pessoa"
      new RegExp(`\\b(?:falar|conversar|chatear) com ${PT_HUMAN}`),
      new RegExp(
        `\\b(?:me (?:transfere|transfira|passa|passe|conecta|conecte|coloca|coloque)|transfira-me|passe-me) (?:para|com|a) ${PT_HUMAN}`,
      ),
      new RegExp(`\\b(?:quero|preciso de|queria|exijo) ${PT_HUMAN}`),
      /^(?:um |uma )?(?:atendente|humano|pessoa real|operador|operadora)(?: por favor| ja)?[.!? ]*$/,
    ],
    negation: /\b(?:nao|nunca|sem|nem)\b[^.!?,;]*$/,
  },
};

/** Lower case, accents removed, curly apostrophes straightened, whitespace collapsed. */
function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds the first match of `re` whose clause has no negation before it. */
function matchUnnegated(text: string, re: RegExp, negation: RegExp): string | undefined {
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  for (const m of text.matchAll(global)) {
    if (!negation.test(text.slice(0, m.index))) return m[0];
  }
  return undefined;
}

/**
 * Creates the built-in person-request detector. With `context.language` set to a language it
 * knows, it checks that language and English (customers mix them); otherwise every configured
 * language. A negation earlier in the same clause ("I don't need a human", "je ne veux pas
 * parler à un conseiller") cancels a request.
 *
 * @example
 * ```ts
 * import { createPersonRequestDetector } from '@threadline/routing';
 *
 * const detect = createPersonRequestDetector({ extraPhrases: ['talk to Sam'] });
 * detect('quiero hablar con una persona', {}).requested; // true
 * detect('my travel agent booked this', {}).requested; // false
 * ```
 */
export function createPersonRequestDetector(
  options: PersonRequestDetectorOptions = {},
): (text: string, context?: PersonRequestContext) => PersonRequestResult {
  const languages = [...(options.languages ?? PERSON_REQUEST_LANGUAGES)];
  for (const lang of languages) {
    if (!Object.hasOwn(RULES, lang)) throw new TypeError(`Unknown person-request language "${lang}"`);
  }
  const extras = (options.extraPhrases ?? []).map((p) =>
    typeof p === 'string' ? new RegExp(`(?:^|\\b)${escapeRegExp(normalise(p))}(?:\\b|$)`) : p,
  );
  const rawExtras = (options.extraPhrases ?? []).map((p) => typeof p !== 'string');
  return (text, context = {}) => {
    const plain = normalise(text);
    for (let i = 0; i < extras.length; i++) {
      const re = extras[i] as RegExp;
      const found = (rawExtras[i] ? text : plain).match(re);
      if (found) return { requested: true, phrase: found[0] };
    }
    const hint = context.language?.toLowerCase().split('-')[0];
    const order =
      hint !== undefined && (languages as string[]).includes(hint)
        ? languages.filter((l) => l === hint || l === 'en')
        : languages;
    for (const lang of order) {
      const rules = RULES[lang];
      for (const re of rules.requests) {
        const phrase = matchUnnegated(plain, re, rules.negation);
        if (phrase !== undefined) return { requested: true, language: lang, phrase };
      }
    }
    return { requested: false };
  };
}
