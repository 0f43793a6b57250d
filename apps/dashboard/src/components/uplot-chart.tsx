import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

interface Props {
  /** Built once per chart kind; `width` is the container's. */
  options: (width: number) => uPlot.Options;
  data: uPlot.AlignedData;
  height: number;
}

/**
 * uPlot in a preact component: created on mount, fed new data with setData (no re-creation, so
 * live updates cost one canvas redraw), resized with its container. The canvas is decorative for
 * screen readers: every chart also renders its numbers as text next to it.
 */
export function UPlotChart({ options, data, height }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const width = Math.max(200, element.clientWidth);
    const chart = new uPlot({ ...options(width), width, height }, latest.current, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth);
      if (next !== chart.width) chart.setSize({ width: next, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart-canvas" ref={container} aria-hidden="true" />;
}
