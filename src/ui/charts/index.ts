/** The comparison and calibration charts. */
export { BudgetChart } from './BudgetChart';
export type { BudgetChartProps } from './BudgetChart';
export { CalibrationChart } from './CalibrationChart';
export type { CalibrationChartProps } from './CalibrationChart';
export { DepthAcceptanceChart } from './DepthAcceptanceChart';
export type { DepthAcceptanceChartProps } from './DepthAcceptanceChart';
export { SpeedupBarChart } from './SpeedupBarChart';
export type { SpeedupBarChartProps } from './SpeedupBarChart';
