"use client";

import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/**
 * Keeps a uPlot instance in `container`: rebuilt when `makeOptions` changes (series, log axes), fed new data in
 * place otherwise, so live points do not recreate the canvas. While the user is zoomed in, new points do not
 * reset the zoom; a double click zooms out and lets the axes follow the data again.
 */
export function usePlot(
  container: React.RefObject<HTMLDivElement | null>,
  makeOptions: (width: number, onZoom: () => void) => uPlot.Options,
  data: uPlot.AlignedData,
) {
  const plot = useRef<uPlot | null>(null);
  const zoomed = useRef(false);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    zoomed.current = false;
    const created = new uPlot(
      makeOptions(element.clientWidth, () => (zoomed.current = true)),
      latest.current,
      element,
    );
    plot.current = created;
    const unzoom = () => (zoomed.current = false);
    element.addEventListener("dblclick", unzoom);
    const resize = new ResizeObserver(() =>
      created.setSize({ width: element.clientWidth, height: created.height }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      element.removeEventListener("dblclick", unzoom);
      created.destroy();
      plot.current = null;
    };
  }, [container, makeOptions]);

  useEffect(() => {
    plot.current?.setData(data, !zoomed.current);
  }, [data]);

  return plot;
}
