/**
 * The built-in person-request patterns per language and the words that gate them. Every request
 * pattern needs a word for a person (or, for the whole-message forms, one of a few fixed words),
 * so a message without any of {@link TRIGGERS}' words cannot match and the detector skips the
 * patterns entirely (see `personRequest.ts`; a property test checks it against the plain
 * pattern scan).
 */
import type { PersonRequestLanguage } from './personRequest.js';

/** One language's patterns. */
export interface LanguageRules {
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

/** The built-in request patterns per language. */
export const RULES: Record<PersonRequestLanguage, LanguageRules> = {
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

// Gate words: each is a whole `\w+` token (the patterns' `\b` sees letters, digits and `_` as
// word characters) that every match of the language's patterns contains. For each person-word
// alternative that is its first token; French lets an article run into the noun (`un ?humain`),
// so the glued forms are listed too.
const EN_NOUNS = [
  'human',
  'person',
  'people',
  'agent',
  'representative',
  'rep',
  'operator',
  'someone',
  'somebody',
  'customer',
  'advisor',
  'adviser',
  'supervisor',
  'manager',
  'staff',
  'team',
];
const ES_NOUNS = [
  'persona',
  'humano',
  'ser',
  'agente',
  'asesor',
  'asesora',
  'operador',
  'operadora',
  'representante',
  'ejecutivo',
  'ejecutiva',
  'alguien',
];
const FR_NOUNS = [
  'humain',
  'etre',
  'personne',
  'conseiller',
  'conseillere',
  'agent',
  'operateur',
  'operatrice',
  'representant',
  'representante',
  'quelqu',
];
const FR_GLUED_ARTICLES = ['un', 'une', 'le', 'la', 'vrai', 'vraie', 'votre'];
const DE_NOUNS = [
  'menschen',
  'mensch',
  'mitarbeiter',
  'mitarbeiterin',
  'berater',
  'beraterin',
  'kundenberater',
  'kundenberaterin',
  'kundendienst',
  'agenten',
  'person',
  'jemandem',
  'jemanden',
];
const PT_NOUNS = [
  'pessoa',
  'humano',
  'ser',
  'atendente',
  'agente',
  'operador',
  'operadora',
  'representante',
  'consultor',
  'consultora',
  'alguem',
];

/**
 * Per language, whole tokens of which every match of its request patterns contains at least
 * one (the whole-message forms included: `live chat` has `live`, `vraie personne` has
 * `personne`, `echten menschen` has `menschen`).
 */
export const TRIGGERS: Record<PersonRequestLanguage, readonly string[]> = {
  en: [...EN_NOUNS, 'live'],
  es: ES_NOUNS,
  fr: [...FR_NOUNS, ...FR_GLUED_ARTICLES.flatMap((a) => FR_NOUNS.map((n) => a + n))],
  de: DE_NOUNS,
  pt: PT_NOUNS,
};
