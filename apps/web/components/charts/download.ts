import type uPlot from "uplot";

/** A file name from a chart title: `train/loss` becomes `train-loss`. */
export const fileStem = (title: string) => title.replace(/[^\w.-]+/g, "-");

function save(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

export function downloadCsv(csv: string, title: string) {
  save(new Blob([csv], { type: "text/csv" }), `${fileStem(title)}.csv`);
}

/** The plot's canvas (lines and axes) on white: the canvas itself is transparent, which viewers show as black. */
export function downloadPng(plot: uPlot, title: string) {
  const source = plot.ctx.canvas;
  const canvas = document.createElement("canvas");
  canvas.width = source.width;
  canvas.height = source.height;
  const context = canvas.getContext("2d")!;
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(source, 0, 0);
  canvas.toBlob((blob) => blob && save(blob, `${fileStem(title)}.png`), "image/png");
}
