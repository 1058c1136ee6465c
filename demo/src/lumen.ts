/**
 * Lumen AI, the fictional platform of the demo: its catalogue, its customers, and the usage events its product
 * sends. The seed and the demo site's "simulate usage" control build events from the same generators.
 */

/** A fixed key, so the printed curl examples keep working across restarts. Never use a fixed key in production. */
export const DEMO_API_KEY = 'demo_sk_live_credyt_0000000000000000';
export const PLATFORM_NAME = 'Lumen AI';
export const PRIMARY_COLOR = '#6d28d9';

/** The customer the demo site is signed in as, and a second one that proves isolation. */
export const MAIN_CUSTOMER = { external_id: 'acct_northwind', name: 'Northwind Studio', email: 'billing@northwind.example' };
export const OTHER_CUSTOMER = { external_id: 'acct_parsec', name: 'Parsec Labs', email: 'finance@parsec.example' };

export const EVENT_TYPES = { chat: 'chat_completion', image: 'image_generated', video: 'video_rendered' } as const;

const usd = (values: unknown[]) => [{ asset: 'USD', values }];
const realTime = { type: 'usage_based', billing_model: { type: 'real_time' } } as const;

export const IMAGE_CREDITS = {
  code: 'IMG',
  name: 'Image credits',
  precision: 0,
  label: 'image credits',
  label_singular: 'image credit',
  rates: [{ source: 'USD', rate: '0.04' }],
};

/** Three products: volume (tokens), unit (images, in image credits), dimensional (video by model × quality). */
export const PRODUCTS = [
  {
    name: 'Lumen Chat',
    code: 'lumen-chat',
    publish: true,
    prices: [
      {
        ...realTime,
        name: 'Input tokens',
        usage_calculation: { event_type: EVENT_TYPES.chat, usage_type: 'volume', volume_field: 'input_tokens' },
        pricing: usd([{ volume_rate: '2.50', package_size: 1_000_000 }]),
      },
      {
        ...realTime,
        name: 'Output tokens',
        usage_calculation: { event_type: EVENT_TYPES.chat, usage_type: 'volume', volume_field: 'output_tokens' },
        pricing: usd([{ volume_rate: '10.00', package_size: 1_000_000 }]),
      },
    ],
  },
  {
    name: 'Image generation',
    code: 'lumen-images',
    publish: true,
    prices: [
      {
        ...realTime,
        name: 'Per image',
        description: '1 image credit per image',
        usage_calculation: { event_type: EVENT_TYPES.image, usage_type: 'unit' },
        pricing: [{ asset: 'IMG', values: [{ unit_price: 1 }] }],
      },
    ],
  },
  {
    name: 'Video generation',
    code: 'lumen-video',
    publish: true,
    prices: [
      {
        ...realTime,
        name: 'Per clip',
        usage_calculation: { event_type: EVENT_TYPES.video, usage_type: 'unit', billable_dimensions: ['model', 'quality'] },
        pricing: usd([
          { dimensions: { model: 'motion-2', quality: 'hd' }, values: [{ name: 'Motion 2 HD', unit_price: '0.60' }] },
          { dimensions: { model: 'motion-2', quality: '*' }, values: [{ name: 'Motion 2', unit_price: '0.35' }] },
          { dimensions: { model: 'motion-1', quality: '*' }, values: [{ name: 'Motion 1', unit_price: '0.12' }] },
          { dimensions: { model: '*', quality: '*' }, values: [{ name: 'Other models', unit_price: '0.20' }] },
        ]),
      },
    ],
  },
];

export interface UsageEvent {
  id: string;
  event_type: string;
  occurred_at: string;
  subject: string;
  description: string;
  data: Record<string, string | number>;
}

export type UsageKind = keyof typeof EVENT_TYPES;
export type Random = () => number;

const CHATS = [
  'Q3 planning',
  'Launch email drafts',
  'SQL review: churn cohort',
  'Pricing page copy',
  'Support macro rewrite',
  'Release notes v2.4',
  'Investor update summary',
  'Onboarding checklist',
  'Competitor teardown',
  'Hiring plan: design',
  'Bug triage notes',
  'Localisation: Spanish FAQ',
];
const IMAGES = [
  'Hero banner – autumn campaign',
  'Product shots: ceramic mugs',
  'Blog header: remote work',
  'App store screenshots',
  'Avatar set for onboarding',
  'Moodboard: brand refresh',
  'Social post: webinar',
];
const VIDEOS = ['Product teaser 15s', 'Explainer: wallets', 'Onboarding walkthrough', 'Ad cut: spring sale', 'Founder intro'];
const VIDEO_MODELS = [
  { model: 'motion-2', quality: 'hd' },
  { model: 'motion-2', quality: 'standard' },
  { model: 'motion-1', quality: 'standard' },
  { model: 'motion-1', quality: 'hd' },
  { model: 'motion-lite', quality: 'standard' },
];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, low: number, high: number) => Math.round(low + random() * (high - low));
const grouped = (n: number) => n.toLocaleString('en-US');

/** One usage event of a kind, as Lumen's backend would report it. */
export function usageEvent(kind: UsageKind, id: string, occurredAt: Date, random: Random): UsageEvent {
  const occurred_at = occurredAt.toISOString();
  if (kind === 'chat') {
    const input_tokens = between(random, 400, 14_000);
    const output_tokens = between(random, 150, 2_400);
    const model = random() < 0.7 ? 'lumen-pro' : 'lumen-mini';
    return {
      id,
      event_type: EVENT_TYPES.chat,
      occurred_at,
      subject: `chat: ${pick(random, CHATS)}`,
      description: `${model} · ${grouped(input_tokens)} input / ${grouped(output_tokens)} output tokens`,
      data: { model, input_tokens, output_tokens },
    };
  }
  if (kind === 'image') {
    const size = pick(random, ['1024×1024', '1536×1024', '1024×1536']);
    return {
      id,
      event_type: EVENT_TYPES.image,
      occurred_at,
      subject: `image: ${pick(random, IMAGES)}`,
      description: `${size} · ${pick(random, ['photoreal', 'illustration', 'flat vector', '3D render'])}`,
      data: { size },
    };
  }
  const { model, quality } = pick(random, VIDEO_MODELS);
  const seconds = between(random, 6, 30);
  return {
    id,
    event_type: EVENT_TYPES.video,
    occurred_at,
    subject: `video: ${pick(random, VIDEOS)}`,
    description: `${model} · ${quality} · ${seconds}s`,
    data: { model, quality, seconds },
  };
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same three months of usage. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
