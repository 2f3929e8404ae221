export { MasterClock, type MasterClockOptions, type TickInfo, type ClockStats } from './master-clock.js';
export { tickStamp, type TickStamp } from './tick-stamp.js';
export { TickSlices } from './tick-slices.js';
