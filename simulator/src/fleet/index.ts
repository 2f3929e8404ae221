export { Fleet, type FleetOptions } from './fleet.js';
export { SimUnit } from './sim-unit.js';
export { checkParamsFile, paramsFor, type ParamsFile } from './params-file.js';
