export * from './result.js';
export * from './rejections.js';
export * from './topics.js';
export * from './catalogue.js';
export * from './frame.js';
export * from './command.js';
export * from './config.js';
