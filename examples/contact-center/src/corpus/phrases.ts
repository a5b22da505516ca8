// The demo's own corpus: customer utterances written for this example (not taken from any data
// set), as slot templates per topic and tone. `build.ts` expands them deterministically.
import type { Topic, Utterance } from '@threadline/testing';

/** What a customer writes about, per topic; `{city}`, `{flight}`, `{ref}`, `{day}`, `{amount}` are slots. */
export const SUBJECTS: Record<Topic, readonly string[]> = {
  disruptions: [
    'my flight to {city} was cancelled',
    'flight {flight} is delayed again',
    'we missed our connection in {city} because the first leg was late',
    'the {day} morning departure to {city} was cancelled at the gate',
    'flight {flight} has been sitting on the tarmac for an hour',
    'my flight got rebooked to {day} without anyone asking me',
    'the app says {flight} is on time but the board says delayed',
    'I was bumped off the overbooked flight to {city}',
    'our flight was diverted to {city} and nobody is telling us anything',
    'the crew timed out and flight {flight} is now tomorrow',
    'I need a hotel voucher, my connection to {city} was cancelled',
    'the rebooking you offered gets me to {city} two days late',
    'flight {flight} was cancelled and the rebooking line hangs up on me',
    'is flight {flight} to {city} still going to leave today',
  ],
  baggage: [
    'my bag never arrived in {city}',
    'my suitcase came off the belt with a broken handle',
    'the tracking for bag tag {ref} has not updated since {day}',
    'my luggage was left behind in {city}',
    'I was charged {amount} for a bag that should have been free',
    'my stroller was not at the gate when we landed in {city}',
    'the delivery of my delayed bag was promised for {day} and never came',
    'someone opened my suitcase and things are missing',
    'my golf bag went to {city} instead of coming home with me',
    'I filed a lost bag report {ref} and have heard nothing',
    'how do I claim the cost of clothes while my bag is lost',
    'the zipper on my bag was torn off on flight {flight}',
  ],
  booking: [
    'I need to change my booking {ref} to {day}',
    'the website charged me twice for booking {ref}',
    'I cannot pick a seat on reservation {ref}',
    'how do I add a checked bag to my trip to {city}',
    'my name is misspelled on ticket {ref}',
    'the fare to {city} went up by {amount} while I was paying',
    'I want a refund for booking {ref}, the trip was cancelled',
    'my travel credit from {day} does not show in my account',
    'can I move my return from {city} one day earlier',
    'the payment page keeps failing for reservation {ref}',
    'I booked a companion fare and only one ticket was issued',
    'my upgrade request on {flight} disappeared from the booking',
    'how long does a refund of {amount} take to reach my card',
  ],
  service: [
    'the crew on flight {flight} was rude to my mother',
    'nobody at the desk in {city} could help us',
    'the queue at check-in in {city} took two hours',
    'the seat on flight {flight} would not recline and the screen was broken',
    'I asked for wheelchair assistance in {city} and nobody came',
    'the gate agent in {city} shouted at us',
    'my special meal was not loaded on flight {flight}',
    'the lounge in {city} turned me away although I have status',
    'the plane on {flight} was filthy',
    'I was on hold for an hour yesterday and got cut off',
    'your chat bot keeps sending me the same link',
    'the agent promised a callback on {day} that never happened',
  ],
  general: [
    'what is the cabin baggage allowance to {city}',
    'do you fly to {city} in the summer',
    'can I bring my dog on flight {flight}',
    'thanks for the upgrade on flight {flight}',
    'how early should I be at the airport in {city}',
    'do I need a visa to connect in {city}',
    'can I earn miles on a partner flight to {city}',
    'is there wifi on flight {flight}',
    'how do I update the phone number on my profile',
    'what time does check-in open for flight {flight}',
    'can my kids travel alone to {city}',
    'where do I find the receipt for booking {ref}',
  ],
};

/** How the customer says it: `{s}` is the subject; each tone is written for one sentiment label. */
export const FRAMES: Record<Utterance['sentiment'], readonly string[]> = {
  negative: [
    '{s}. Third time I am contacting you and it is still not fixed!',
    '{s} and nobody answers the phone. Terrible service.',
    '{s}. I have been waiting for hours, this is ridiculous.',
    '{s}. So frustrated, I want my money back.',
    '{s}. Worst experience I have ever had with an airline.',
    '{s}! Absolutely unacceptable.',
    '{s}. I am furious and nobody cares.',
    '{s}. This is a disaster, I am missing a family event.',
    'Still no answer: {s}. Very disappointed.',
    '{s}. Your staff keep giving me different answers, awful.',
  ],
  neutral: [
    '{s}. Can you check please?',
    'Hi, {s}. What are my options?',
    '{s}. My reference is {ref}.',
    'Hello, {s}. Could someone look into it?',
    '{s}. Please let me know the next steps.',
    'Quick question: {s}?',
    'Good morning, {s}. I am travelling on {day}.',
  ],
  positive: [
    '{s}, thank you so much for the quick help!',
    '{s} but the agent was great, thanks!',
    'Love the new app. {s}?',
    '{s}. The crew was wonderful, by the way.',
    'Thanks in advance, you have always been helpful: {s}.',
    '{s}. Great service last time, hoping for the same!',
  ],
};

/** Slot values. */
export const SLOTS = {
  city: [
    'Boston',
    'Denver',
    'Chicago',
    'Miami',
    'Seattle',
    'Austin',
    'Newark',
    'Phoenix',
    'Toronto',
    'Madrid',
    'Lisbon',
    'Montreal',
  ],
  day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  amount: ['$35', '$60', '$120', '$240', '$89', '$410'],
} as const;

/** How likely each sentiment is per topic (issues skew negative, questions neutral). */
export const TONE_MIX: Record<Topic, { negative: number; neutral: number }> = {
  disruptions: { negative: 0.72, neutral: 0.2 },
  baggage: { negative: 0.7, neutral: 0.22 },
  booking: { negative: 0.55, neutral: 0.35 },
  service: { negative: 0.75, neutral: 0.15 },
  general: { negative: 0.12, neutral: 0.63 },
};
