import { describe, expect, it } from 'vitest';
import { createPersonRequestDetector } from '../src/index.js';

const detect = createPersonRequestDetector();
const asks = (text: string, language?: string) =>
  detect(text, language === undefined ? {} : { language }).requested;

// English precision set: requests for a person, and messages that mention one without asking.
const EN_REQUESTS = [
  'let me talk to a human',
  'Can I speak with an agent please?',
  'I want to talk to a real person',
  'connect me to a representative',
  'transfer me to an operator',
  'I need a human',
  "I'd like to speak to someone",
  'get me a live agent',
  'Agent!',
  'human please',
  'representative',
  'is there a human I can talk to?',
  'This bot is useless, I want a person.',
  'please put me through to customer service',
  "I don't want a bot, I want a human",
];
const EN_NOT_REQUESTS = [
  'my travel agent booked this',
  'the agent was rude',
  'agent 47',
  'I loved agent 47 as a game',
  "I don't need a human",
  'I do not want to talk to a person',
  'no need to talk to an agent, thanks',
  'I talked to an agent yesterday and nothing happened',
  'the person at the desk said it was fine',
  'a real person would understand this',
  'my manager asked me to check the invoice',
  'human error on my side, sorry',
  'where is my order?',
];

describe('createPersonRequestDetector', () => {
  it.each(EN_REQUESTS)('English request: %s', (text) => {
    expect(asks(text)).toBe(true);
  });

  it.each(EN_NOT_REQUESTS)('English mention, not a request: %s', (text) => {
    expect(asks(text)).toBe(false);
  });

  it.each([
    ['quiero hablar con una persona', 'es'],
    ['¿Puedo hablar con un agente?', 'es'],
    ['pásame con un asesor por favor', 'es'],
    ['je veux parler à un conseiller', 'fr'],
    ['Puis-je discuter avec un humain ?', 'fr'],
    ['passez-moi un conseiller svp', 'fr'],
    ['Ich möchte mit einem Mitarbeiter sprechen', 'de'],
    ['kann ich bitte mit einem Menschen reden?', 'de'],
    ['verbinden Sie mich mit einem Berater', 'de'],
    ['quero falar com um atendente', 'pt'],
    ['Posso falar com uma pessoa de verdade?', 'pt'],
    ['me transfere para um atendente', 'pt'],
  ])('request in another language: %s', (text, language) => {
    expect(detect(text, {})).toMatchObject({ requested: true, language });
    expect(asks(text, language)).toBe(true);
  });

  it.each([
    'mi agente de viajes reservó esto',
    'no quiero hablar con una persona',
    'je ne veux pas parler à un conseiller',
    'le conseiller a été très aimable',
    'ich möchte nicht mit einem Mitarbeiter sprechen',
    'ich habe mit einem Mitarbeiter gesprochen',
    'não quero falar com um atendente',
    'o atendente foi muito educado',
  ])('not a request in another language: %s', (text) => {
    expect(asks(text)).toBe(false);
  });

  it('checks only the hinted language and English when a language is given', () => {
    expect(asks('quiero hablar con una persona', 'fr')).toBe(false);
    expect(asks('let me talk to a human', 'fr')).toBe(true);
  });

  it('honours configured languages and extra phrases', () => {
    const onlyGerman = createPersonRequestDetector({
      languages: ['de'],
      extraPhrases: ['ruf mich an', /\bSAM\b/],
    });
    expect(onlyGerman('quero falar com um atendente').requested).toBe(false);
    expect(onlyGerman('Bitte RUF mich an').requested).toBe(true);
    expect(onlyGerman('can SAM help').requested).toBe(true);
    expect(onlyGerman('can sam help').requested).toBe(false);
    expect(() => createPersonRequestDetector({ languages: ['xx' as 'de'] })).toThrow(/Unknown/);
  });
});
