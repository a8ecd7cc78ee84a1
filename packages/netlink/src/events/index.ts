// rtnetlink notifications: the subscription, and the events it decodes.
export { subscribe, RtnlSubscription, type SubscribeOptions, type RtnlSubscriptionEvents } from './subscription.js';
export type { RtnlEvent, RtnlGroup } from './decode.js';
