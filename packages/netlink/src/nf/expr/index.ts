// nf_tables expressions: constants, one codec per kind, the expression list, builders.
export * from './constants.js';
export type { NftData, Verdict } from './data.js';
export { verdictCodec, dataValue, dataAny } from './data.js';
export * from './meta.js';
export * from './payload.js';
export * from './cmp.js';
export * from './bitwise.js';
export * from './immediate.js';
export * from './counter.js';
export * from './nat.js';
export * from './ct.js';
export * from './list.js';
export * from './build.js';
