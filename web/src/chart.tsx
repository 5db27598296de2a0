// A uPlot time-series chart that follows its data (uPlot draws on a canvas; no inline style sheet).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  readonly label: string;
  readonly color: string;
}

export function Chart({ title, times, series, values, unit }: { title: string; times: number[]; series: readonly Series[]; values: (number | null)[][]; unit: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = [times, ...values] as uPlot.AlignedData;
  useEffect(() => {
    const el = box.current!;
    plot.current = new uPlot(
      {
        title,
        width: Math.max(280, el.clientWidth),
        height: 180,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(2)}${unit}`), size: 60 }],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
      },
      data,
      el,
    );
    const resize = () => plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: 180 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return <figure class="chart" ref={box} aria-label={title} />;
}
