/** uPlot options shared by the convergence and profile plots: the dark theme and a sizing helper. */
import type uPlot from 'uplot';

export const SERIES_COLOURS = ['#5fb3ad', '#d6a55c', '#9b8fd9', '#d9736b', '#7fb77e', '#6fa8dc', '#c98bc4', '#b5b86b'];

export function colourAt(i: number): string {
  return SERIES_COLOURS[i % SERIES_COLOURS.length] ?? '#5fb3ad';
}

const AXIS: uPlot.Axis = {
  stroke: '#868b93',
  grid: { stroke: '#24272c', width: 1 },
  ticks: { stroke: '#343840', width: 1 },
  font: '11px system-ui, sans-serif',
};

export function darkAxes(xLabel: string, yLabel: string): uPlot.Axis[] {
  return [
    { ...AXIS, label: xLabel, labelFont: '11px system-ui, sans-serif', labelSize: 16, size: 30 },
    { ...AXIS, label: yLabel, labelFont: '11px system-ui, sans-serif', labelSize: 16, size: 52 },
  ];
}
