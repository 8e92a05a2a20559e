import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export interface Series {
  label: string;
  values: Array<number | null>;
  color: string;
  bars?: boolean;
}

/** A uPlot chart over time (x in seconds since the epoch). */
export function TimeChart({ title, x, series, height = 220 }: { title: string; x: number[]; series: Series[]; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const bars = uPlot.paths.bars!({ size: [0.6, 40] });
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, el.clientWidth || 600),
        height,
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, fill: s.bars ? s.color + '99' : undefined, width: 2, paths: s.bars ? bars : undefined }))],
        axes: [{}, { size: 70 }],
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(320, el.clientWidth), height });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [title, JSON.stringify(x), JSON.stringify(series)]);
  return <div class="chart" ref={host} role="img" aria-label={title} />;
}

/** Bars over categories (uPlot, ordinal x drawn on its canvas), with the same numbers as a table for screen readers. */
export function CategoryChart({ title, rows, color, height = 220 }: { title: string; rows: Array<{ label: string; value: number; display: string }>; color: string; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const labels = rows.map((r) => (r.label.length > 18 ? r.label.slice(0, 17) + '…' : r.label));
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, el.clientWidth || 600),
        height,
        scales: { x: { time: false, range: [-0.5, Math.max(0.5, rows.length - 0.5)] } },
        series: [{}, { label: title, stroke: color, fill: color + 'bb', paths: uPlot.paths.bars!({ size: [0.7, 60] }), points: { show: false } }],
        axes: [{ splits: () => rows.map((_, i) => i), values: (_u, splits) => splits.map((i) => labels[i] ?? ''), rotate: -30 } as uPlot.Axis, { size: 70 }],
        legend: { show: false },
      },
      [rows.map((_, i) => i), rows.map((r) => r.value)],
      el,
    );
    return () => plot.destroy();
  }, [title, JSON.stringify(rows)]);
  return (
    <figure class="category-chart">
      <div ref={host} class="chart" aria-hidden="true" />
      <table class="sr-only">
        <caption>{title}</caption>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              <td>{r.display}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
