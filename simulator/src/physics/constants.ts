/**
 * Physical constants and fixed plant figures that are not operator parameters.
 * Everything here is SI; names carry the unit.
 */

/** Universal gas constant, J/(mol·K). */
export const GAS_CONSTANT_JPMOLK = 8.314462618;

/** Molar mass of dry air, kg/mol. Only the air's weight depends on it. */
export const AIR_MOLAR_MASS_KGPMOL = 0.028965;

/** Heat capacity ratio of air: used only for the compressor discharge temperature. */
export const AIR_GAMMA = 1.4;

/** 0 °C in kelvin. */
export const KELVIN_OFFSET = 273.15;

/** Specific heat of water, J/(kg·K). */
export const WATER_SPECIFIC_HEAT_JPKGK = 4186;

/** Tank cross-section (m²): sets the water mass that losses heat. */
export const TANK_AREA_M2 = 12;

/** Tank cooling to ambient (W/K): walls, open surface and a small cooling loop. */
export const TANK_COOLING_WPK = 20_000;

/** Main bearing: lumped heat capacity (J/K) and cooling to the water (W/K). */
export const BEARING_HEAT_CAPACITY_JPK = 20_000;
export const BEARING_COOLING_WPK = 40;

/** Compressor discharge thermal lag (s). */
export const DISCHARGE_TIME_CONSTANT_S = 30;

/**
 * bearing_overheating fault: the bearing's friction rises (lubrication lost) and its cooling
 * drops, so its temperature climbs past 85 °C within minutes at rated speed.
 */
export const FAULT_BEARING_FRICTION_FACTOR = 10;
export const FAULT_BEARING_COOLING_FACTOR = 0.2;

/** chain_jam fault: a seized guide or sprocket, modelled as a very large Coulomb force (N). */
export const JAM_FORCE_N = 2e6;

/** Power mode: below this fraction of rated speed the torque ramps to zero so the plant can start. */
export const POWER_MODE_MIN_SPEED_FRACTION = 0.1;
