// Our delivery client, driven through its module API. Filled in when src/delivery's orchestrator lands.
import type { DeliveryClient } from './types.js';

export const destconfigClient: DeliveryClient = async () => {
  throw new Error('the delivery orchestrator (src/delivery/deliver.ts) is not on main yet');
};
