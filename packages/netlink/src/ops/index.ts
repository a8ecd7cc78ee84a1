export * from './common.js';
export * from './link.js';
export * from './link-kinds/index.js';
export * from './addr.js';
export * from './route.js';
export * from './neigh.js';
export * from './nsid.js';
export { routeFromBytes, type Route } from './route-view.js';
export * from './route-get.js';
